'use client';

import { useState, type FormEvent } from 'react';
import { api, errorMessage } from '@/lib/api';
import { USER_ID_RULE, userNameError } from '@/lib/user';

export function LoginForm({ onLogin }: { onLogin: (user: string) => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = name.trim();
    const problem = userNameError(trimmed);
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const res = await api<{ user: string }>('/api/session', { method: 'POST', body: { name: trimmed } });
      onLogin(res.user);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card login" data-testid="login">
      <h2>Who are you?</h2>
      <p className="muted">Pick a name to keep your own task list. It is stored in a cookie on this browser only ({USER_ID_RULE}).</p>
      <form onSubmit={submit} className="row">
        <input
          data-testid="user-name-input"
          aria-label="Your name"
          placeholder="e.g. alice"
          value={name}
          maxLength={64}
          autoFocus
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" data-testid="user-name-submit" disabled={busy}>
          Continue
        </button>
      </form>
      {error && (
        <p className="field-error" role="alert" data-testid="user-name-error">
          {error}
        </p>
      )}
    </section>
  );
}
