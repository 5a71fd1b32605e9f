'use client';

import { useState, type FormEvent } from 'react';
import type { Task, TaskFilter } from '@/lib/types';

const FILTERS: { value: TaskFilter; label: string }[] = [
  { value: 'all', label: 'All' },
  { value: 'pending', label: 'Pending' },
  { value: 'completed', label: 'Done' },
];

const MAX_TITLE = 200;

export function titleError(title: string): string | null {
  if (title.trim().length === 0) return 'Title must not be empty.';
  if (title.trim().length > MAX_TITLE) return `Title is ${title.trim().length} characters; the limit is ${MAX_TITLE}.`;
  return null;
}

interface Props {
  tasks: Task[] | null;
  loadError: string | null;
  filter: TaskFilter;
  loading: boolean;
  onFilter: (f: TaskFilter) => void;
  onAdd: (title: string) => Promise<boolean>;
  onToggle: (task: Task) => void;
  onRename: (task: Task, title: string) => Promise<boolean>;
  onDelete: (task: Task) => void;
  onReload: () => void;
}

export function TaskList(props: Props) {
  const { tasks, loadError, filter, loading } = props;
  const [title, setTitle] = useState('');
  const [formError, setFormError] = useState<string | null>(null);

  async function add(e: FormEvent) {
    e.preventDefault();
    const problem = titleError(title);
    setFormError(problem);
    if (problem) return;
    if (await props.onAdd(title.trim())) setTitle('');
  }

  return (
    <section className="card tasks" data-testid="task-panel" aria-busy={loading}>
      <div className="panel-head">
        <h2>Tasks</h2>
        <div className="filters" role="group" aria-label="Filter tasks">
          {FILTERS.map((f) => (
            <button
              key={f.value}
              type="button"
              className={f.value === filter ? 'chip active' : 'chip'}
              data-testid={`filter-${f.value}`}
              aria-pressed={f.value === filter}
              onClick={() => props.onFilter(f.value)}
            >
              {f.label}
            </button>
          ))}
          <button type="button" className="chip" data-testid="tasks-reload" onClick={props.onReload} title="Reload">
            ↻
          </button>
        </div>
      </div>

      <form onSubmit={add} className="row">
        <input
          data-testid="new-task-input"
          aria-label="New task title"
          placeholder="What needs doing?"
          value={title}
          maxLength={MAX_TITLE}
          onChange={(e) => setTitle(e.target.value)}
        />
        <button type="submit" data-testid="add-task-button">
          Add
        </button>
      </form>
      {formError && (
        <p className="field-error" role="alert" data-testid="new-task-error">
          {formError}
        </p>
      )}

      {loadError && tasks !== null && (
        <p className="field-error" data-testid="tasks-stale">
          Showing the last loaded list; refreshing failed.
        </p>
      )}
      {loadError && tasks === null ? (
        <p className="empty error-text" data-testid="tasks-error">
          Could not load tasks. {loadError}
        </p>
      ) : tasks === null ? (
        <p className="empty muted">Loading…</p>
      ) : tasks.length === 0 ? (
        <p className="empty muted" data-testid="tasks-empty">
          {filter === 'all' ? 'No tasks yet. Add one above or ask the assistant.' : `No ${filter} tasks.`}
        </p>
      ) : (
        <ul className="task-list" data-testid="task-list">
          {tasks.map((t) => (
            <TaskRow key={t.id} task={t} {...props} />
          ))}
        </ul>
      )}
      {tasks && (
        <p className="muted small" data-testid="task-count">
          {tasks.filter((t) => !t.completed).length} open · {tasks.filter((t) => t.completed).length} done
        </p>
      )}
    </section>
  );
}

function TaskRow({ task, onToggle, onRename, onDelete }: { task: Task } & Props) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(task.title);
  const [error, setError] = useState<string | null>(null);

  async function save(e: FormEvent) {
    e.preventDefault();
    const problem = titleError(draft);
    setError(problem);
    if (problem) return;
    if (draft.trim() === task.title || (await onRename(task, draft.trim()))) setEditing(false);
  }

  return (
    <li
      className={task.completed ? 'task done' : 'task'}
      data-testid="task-item"
      data-task-id={task.id}
      data-completed={task.completed ? 'true' : 'false'}
    >
      <input
        type="checkbox"
        data-testid="task-toggle"
        aria-label={`Mark "${task.title}" as ${task.completed ? 'not done' : 'done'}`}
        checked={task.completed}
        onChange={() => onToggle(task)}
      />
      {editing ? (
        <form onSubmit={save} className="row grow">
          <input
            data-testid="task-edit-input"
            aria-label="Task title"
            value={draft}
            maxLength={MAX_TITLE}
            autoFocus
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => e.key === 'Escape' && setEditing(false)}
          />
          <button type="submit" data-testid="task-save">
            Save
          </button>
          <button type="button" className="secondary" onClick={() => setEditing(false)}>
            Cancel
          </button>
          {error && <span className="field-error">{error}</span>}
        </form>
      ) : (
        <>
          <span className="task-id">#{task.id}</span>
          <span className="task-title grow" data-testid="task-title" title={task.description ?? undefined}>
            {task.title}
          </span>
          <button
            type="button"
            className="icon"
            data-testid="task-edit"
            aria-label={`Edit "${task.title}"`}
            onClick={() => {
              setDraft(task.title);
              setError(null);
              setEditing(true);
            }}
          >
            ✎
          </button>
          <button
            type="button"
            className="icon danger"
            data-testid="task-delete"
            aria-label={`Delete "${task.title}"`}
            onClick={() => onDelete(task)}
          >
            ✕
          </button>
        </>
      )}
    </li>
  );
}
