'use client';
import { createSessionFetch } from 'sessions-kit/client';

/** One wrapper for the whole browser tab: it carries X-Cart-Session, kept in sessionStorage. */
export const headerApi = createSessionFetch({ headers: ['X-Cart-Session'], store: 'sessionStorage' });
