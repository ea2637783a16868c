const KEY = 'repvgg.apiToken';

/** The API token lives for the browser session only (sessionStorage), never in a cookie. */
export const tokenStore = {
  get: (): string | null => sessionStorage.getItem(KEY),
  set: (token: string): void => {
    sessionStorage.setItem(KEY, token);
  },
  clear: (): void => {
    sessionStorage.removeItem(KEY);
  },
};
