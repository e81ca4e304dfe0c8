'use client';

import { ErrorView } from '@/lib/demo/error-view';
import { isStorageOutage } from '@/lib/demo/outage';
import './globals.css';

/** Errors in the root layout itself: this replaces the whole document, so it brings its own html and body. */
export default function GlobalError({ error }: { error: Error & { digest?: string } }) {
  return (
    <html lang="en">
      <body>
        <main>
          <ErrorView outage={isStorageOutage(error)} retry={() => window.location.reload()} />
        </main>
      </body>
    </html>
  );
}
