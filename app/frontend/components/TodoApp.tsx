'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, errorMessage } from '@/lib/api';
import type { Task, TaskFilter } from '@/lib/types';
import { ChatPanel } from './ChatPanel';
import { LoginForm } from './LoginForm';
import { TaskList } from './TaskList';

export function TodoApp({ initialUser }: { initialUser: string | null }) {
  const [user, setUser] = useState<string | null>(initialUser);
  const [tasks, setTasks] = useState<Task[] | null>(null);
  const [filter, setFilter] = useState<TaskFilter>('all');
  const [loading, setLoading] = useState(false);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [banner, setBanner] = useState<string | null>(null);
  // Drop answers to requests that a newer reload has superseded.
  const loadSeq = useRef(0);

  const handleError = useCallback((err: unknown) => {
    if (err instanceof ApiError && err.status === 401) {
      // The cookie vanished or was tampered with: ask for a name again.
      setUser(null);
      setTasks(null);
    }
    setBanner(errorMessage(err));
  }, []);

  const reload = useCallback(async () => {
    if (!user) return;
    const seq = ++loadSeq.current;
    setLoading(true);
    try {
      const list = await api<Task[]>(`/api/tasks?status=${filter}`);
      if (seq !== loadSeq.current) return;
      setTasks(list);
      setLoadError(null);
      setBanner(null);
    } catch (err) {
      if (seq !== loadSeq.current) return;
      setLoadError(errorMessage(err));
      handleError(err);
    } finally {
      if (seq === loadSeq.current) setLoading(false);
    }
  }, [user, filter, handleError]);

  useEffect(() => {
    void reload();
  }, [reload]);

  // Runs a change, then re-reads the list so the screen matches the backend.
  async function mutate(action: () => Promise<unknown>): Promise<boolean> {
    try {
      await action();
      await reload();
      return true;
    } catch (err) {
      handleError(err);
      return false;
    }
  }

  async function switchUser() {
    try {
      await api('/api/session', { method: 'DELETE' });
    } catch (err) {
      setBanner(errorMessage(err));
      return;
    }
    setUser(null);
    setTasks(null);
    setLoadError(null);
    setBanner(null);
  }

  return (
    <div className="shell">
      <header className="top">
        <h1>
          <img src="/favicon.svg" alt="" width={28} height={28} /> Todo Chatbot
        </h1>
        {user && (
          <div className="who">
            <span>
              Signed in as <strong data-testid="current-user">{user}</strong>
            </span>
            <button type="button" className="secondary" data-testid="switch-user" onClick={switchUser}>
              Switch user
            </button>
          </div>
        )}
      </header>

      {banner && (
        <div className="banner" role="alert" data-testid="error-banner">
          <span>{banner}</span>
          <span className="banner-actions">
            <button type="button" className="secondary" data-testid="error-retry" onClick={() => void reload()}>
              Retry
            </button>
            <button type="button" className="icon" aria-label="Dismiss" onClick={() => setBanner(null)}>
              ✕
            </button>
          </span>
        </div>
      )}

      {!user ? (
        <LoginForm
          onLogin={(name) => {
            setTasks(null);
            setLoadError(null);
            setBanner(null);
            setUser(name);
          }}
        />
      ) : (
        <main className="grid">
          <TaskList
            tasks={tasks}
            loadError={loadError}
            filter={filter}
            loading={loading}
            onFilter={setFilter}
            onReload={() => void reload()}
            onAdd={(title) => mutate(() => api<Task>('/api/tasks', { method: 'POST', body: { title } }))}
            onToggle={(t) =>
              void mutate(() => api<Task>(`/api/tasks/${t.id}/complete`, { method: 'PATCH', body: { completed: !t.completed } }))
            }
            onRename={(t, title) => mutate(() => api<Task>(`/api/tasks/${t.id}`, { method: 'PUT', body: { title } }))}
            onDelete={(t) => void mutate(() => api(`/api/tasks/${t.id}`, { method: 'DELETE' }))}
          />
          <ChatPanel key={user} user={user} onTasksChanged={() => void reload()} onError={setBanner} />
        </main>
      )}
    </div>
  );
}
