import Link from 'next/link';

export default function NotFound() {
  return (
    <div className="shell">
      <section className="card">
        <h2>Page not found</h2>
        <p>
          <Link href="/">Back to your tasks</Link>
        </p>
      </section>
    </div>
  );
}
