/**
 * What app/error.tsx and app/global-error.tsx show. A session-storage outage (recognised by its
 * digest, since Next hides server error messages in production) is "temporarily unavailable,
 * try again"; anything else is a plain "something went wrong" with the same retry.
 */
import { isStorageOutage } from './outage';

export interface ErrorViewProps {
  error: Error & { digest?: string };
  retry: () => void;
}

export function ErrorView({ error, retry }: ErrorViewProps) {
  const outage = isStorageOutage(error);
  return (
    <div className="card" role="alert" data-testid={outage ? 'storage-outage' : 'page-error'}>
      <h1>{outage ? 'Temporarily unavailable' : 'Something went wrong'}</h1>
      <p className="lead">
        {outage
          ? 'Sessions are temporarily unavailable. Nothing was lost: try again in a moment.'
          : 'This page could not be shown. Try again.'}
      </p>
      <button type="button" onClick={retry}>
        Try again
      </button>
    </div>
  );
}
