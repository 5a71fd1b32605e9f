// Shared by the browser bundle and the route handlers: the user name doubles as
// the backend's user_id path segment, so it must follow the backend's rule.
export const USER_COOKIE = 'todo_user';
export const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const USER_ID_RULE = "1 to 64 characters, only letters, digits, '.', '_' or '-' (no spaces)";

/** Returns an error message naming what is wrong, or null when the name is valid. */
export function userNameError(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0) {
    return `Enter a name: ${USER_ID_RULE}.`;
  }
  if (!USER_ID_PATTERN.test(name)) {
    return `Name "${name.slice(0, 80)}" is not allowed: use ${USER_ID_RULE}.`;
  }
  return null;
}

export function isValidUserName(name: unknown): name is string {
  return userNameError(name) === null;
}
