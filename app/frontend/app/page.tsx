import { cookies } from 'next/headers';
import { TodoApp } from '@/components/TodoApp';
import { USER_COOKIE, isValidUserName } from '@/lib/user';

// The user comes from the request's cookie, so this page is rendered per request.
export const dynamic = 'force-dynamic';

export default async function Page() {
  const value = (await cookies()).get(USER_COOKIE)?.value;
  return <TodoApp initialUser={isValidUserName(value) ? value : null} />;
}
