'use client';

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, errorMessage } from '@/lib/api';
import type { ChatMessage, ChatReply, ToolCall } from '@/lib/types';

// Tools whose call means the task list on screen is stale.
const TASK_CHANGING_TOOLS = new Set(['add_task', 'complete_task', 'update_task', 'delete_task']);
const MAX_MESSAGE = 2000;
const EXAMPLES = ['add buy milk', 'show my tasks', 'complete task 1', 'rename task 1 to call mom'];

const conversationKey = (user: string) => `todo-chatbot:conversation:${user}`;

function toolCallFailed(call: ToolCall): boolean {
  const r = call.result as { error?: unknown; ok?: unknown } | null;
  return !!r && typeof r === 'object' && (r.error !== undefined || r.ok === false);
}

interface Props {
  user: string;
  onTasksChanged: () => void;
  onError: (message: string | null) => void;
}

export function ChatPanel({ user, onTasksChanged, onError }: Props) {
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [conversationId, setConversationId] = useState<number | null>(null);
  const [input, setInput] = useState('');
  const [sending, setSending] = useState(false);
  const [chatError, setChatError] = useState<string | null>(null);
  const endRef = useRef<HTMLDivElement>(null);

  // Resume this user's last conversation, if the backend still knows it.
  useEffect(() => {
    let cancelled = false;
    setMessages([]);
    setConversationId(null);
    setChatError(null);
    const stored = Number(window.localStorage.getItem(conversationKey(user)));
    if (!Number.isInteger(stored) || stored <= 0) return;
    api<ChatMessage[]>(`/api/conversations/${stored}/messages`)
      .then((history) => {
        if (cancelled) return;
        setConversationId(stored);
        setMessages(history);
      })
      .catch((err) => {
        if (cancelled) return;
        if (err instanceof ApiError && err.status === 404) window.localStorage.removeItem(conversationKey(user));
        else {
          setConversationId(stored);
          setChatError(`Could not load the conversation history. ${errorMessage(err)}`);
        }
      });
    return () => {
      cancelled = true;
    };
  }, [user]);

  useEffect(() => {
    endRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [messages, sending]);

  async function send(e: FormEvent) {
    e.preventDefault();
    const text = input.trim();
    if (!text) return;
    if (text.length > MAX_MESSAGE) {
      setChatError(`Message is ${text.length} characters; the limit is ${MAX_MESSAGE}.`);
      return;
    }
    const pending: ChatMessage = { id: `local-${Date.now()}`, role: 'user', content: text };
    setMessages((m) => [...m, pending]);
    setInput('');
    setSending(true);
    setChatError(null);
    try {
      const body = conversationId ? { message: text, conversation_id: conversationId } : { message: text };
      const reply = await api<ChatReply>('/api/chat', { method: 'POST', body });
      setConversationId(reply.conversation_id);
      window.localStorage.setItem(conversationKey(user), String(reply.conversation_id));
      setMessages((m) => [...m, { id: `reply-${Date.now()}`, role: 'assistant', content: reply.response, tool_calls: reply.tool_calls }]);
      onError(null);
      if (reply.tool_calls?.some((c) => TASK_CHANGING_TOOLS.has(c.name))) onTasksChanged();
    } catch (err) {
      // Keep what the user typed so they can simply press Send again.
      setMessages((m) => m.filter((x) => x !== pending));
      setInput(text);
      if (err instanceof ApiError && err.status === 404 && conversationId) {
        window.localStorage.removeItem(conversationKey(user));
        setConversationId(null);
        setChatError('That conversation no longer exists; a new one will start with your next message.');
      } else {
        setChatError(errorMessage(err));
        if (err instanceof ApiError && err.unavailable) onError(errorMessage(err));
      }
    } finally {
      setSending(false);
    }
  }

  function newConversation() {
    window.localStorage.removeItem(conversationKey(user));
    setConversationId(null);
    setMessages([]);
    setChatError(null);
  }

  return (
    <section className="card chat" data-testid="chat-panel">
      <div className="panel-head">
        <h2>Assistant</h2>
        <button type="button" className="chip" data-testid="chat-new" onClick={newConversation}>
          New chat
        </button>
      </div>
      <div className="messages" data-testid="chat-messages" aria-live="polite">
        {messages.length === 0 && !sending && (
          <div className="muted hint">
            Ask me to manage your tasks, for example:
            <ul>
              {EXAMPLES.map((x) => (
                <li key={x}>
                  <button type="button" className="link" onClick={() => setInput(x)}>
                    “{x}”
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        {messages.map((m) => (
          <div key={m.id} className={`bubble ${m.role}`} data-testid="chat-message" data-role={m.role}>
            <div className="content">{m.content}</div>
            {m.tool_calls && m.tool_calls.length > 0 && (
              <div className="tools">
                {m.tool_calls.map((c, i) => (
                  <span
                    key={i}
                    className={toolCallFailed(c) ? 'tool failed' : 'tool'}
                    data-testid="chat-tool-call"
                    title={JSON.stringify(c.arguments)}
                  >
                    {c.name}
                  </span>
                ))}
              </div>
            )}
          </div>
        ))}
        {sending && (
          <div className="bubble assistant typing" data-testid="chat-typing">
            …
          </div>
        )}
        <div ref={endRef} />
      </div>
      {chatError && (
        <p className="field-error" role="alert" data-testid="chat-error">
          {chatError}
        </p>
      )}
      <form onSubmit={send} className="row">
        <input
          data-testid="chat-input"
          aria-label="Message to the assistant"
          placeholder="e.g. add buy milk"
          value={input}
          maxLength={MAX_MESSAGE}
          onChange={(e) => setInput(e.target.value)}
        />
        <button type="submit" data-testid="chat-send" disabled={sending || input.trim() === ''}>
          Send
        </button>
      </form>
    </section>
  );
}
