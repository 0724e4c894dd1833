import type { User } from './models.js';

/** `POST /api/login` success body. */
export interface LoginResponse {
  token: string;
  user: User;
  /** True when this login created the account. */
  created: boolean;
}

/** `GET /api/me` body. */
export interface MeResponse {
  user: User;
  instanceId: string;
}

/** Every HTTP error body. */
export interface HttpErrorBody {
  error: { code: string; message: string };
}

/** HTTP paths of the public API. */
export const HttpPath = {
  Login: '/api/login',
  Logout: '/api/logout',
  Me: '/api/me',
  Healthz: '/healthz',
  Readyz: '/readyz',
  Metrics: '/metrics',
} as const;
