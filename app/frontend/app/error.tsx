'use client';

// Last line of defence: an unexpected render error shows a message, not a blank page.
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="shell">
      <div className="banner" role="alert" data-testid="fatal-error">
        <span>Something went wrong: {error.message || 'unexpected error'}</span>
        <button type="button" className="secondary" onClick={reset}>
          Try again
        </button>
      </div>
    </div>
  );
}
