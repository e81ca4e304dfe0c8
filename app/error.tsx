'use client';

import { useRouter } from 'next/navigation';
import { startTransition } from 'react';
import { ErrorView } from '@/lib/demo/error-view';
import { isStorageOutage } from '@/lib/demo/outage';

/** The error boundary of every page: a storage outage reads "temporarily unavailable, try again". */
export default function PageError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  const router = useRouter();
  // Re-render on the server (refresh) and reset the boundary together, so a recovered store shows the page.
  const retry = () =>
    startTransition(() => {
      router.refresh();
      reset();
    });
  return <ErrorView outage={isStorageOutage(error)} retry={retry} />;
}
