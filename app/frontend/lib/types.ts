// Shapes of the backend API contract (see the frontend README).
export interface Task {
  id: number;
  user_id: string;
  title: string;
  description: string | null;
  completed: boolean;
  created_at: string;
  updated_at: string;
}

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  result: Record<string, unknown> | unknown;
}

export interface ChatReply {
  conversation_id: number;
  response: string;
  tool_calls: ToolCall[];
}

export interface ChatMessage {
  id: number | string;
  role: 'user' | 'assistant';
  content: string;
  created_at?: string;
  tool_calls?: ToolCall[];
}

export type TaskFilter = 'all' | 'pending' | 'completed';
