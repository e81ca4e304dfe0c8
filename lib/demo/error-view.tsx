/**
 * What app/error.tsx, app/global-error.tsx and the outage page show. A session-storage outage is
 * "temporarily unavailable, try again"; anything else is a plain "something went wrong" with the
 * same retry. Without a `retry` function (a Server Component), "Try again" is a plain GET form that
 * reloads the page, which works without JavaScript.
 */
export interface ErrorViewProps {
  /** A session-storage outage (`isStorageOutage`), not a bug. */
  outage: boolean;
  retry?: () => void;
}

export function ErrorView({ outage, retry }: ErrorViewProps) {
  return (
    <div className="card" role="alert" data-testid={outage ? 'storage-outage' : 'page-error'}>
      <h1>{outage ? 'Temporarily unavailable' : 'Something went wrong'}</h1>
      <p className="lead">
        {outage
          ? 'Sessions are temporarily unavailable. Nothing was lost: try again in a moment.'
          : 'This page could not be shown. Try again.'}
      </p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : (
        <form>
          <button type="submit">Try again</button>
        </form>
      )}
    </div>
  );
}
