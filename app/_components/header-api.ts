'use client';
import { createSessionFetch } from 'sessions-kit/client';

// One wrapper for the whole tab: it stores X-Cart-Session from each answer and sends it back.
export const headerApi = createSessionFetch({ headers: ['X-Cart-Session'], store: 'sessionStorage' });
