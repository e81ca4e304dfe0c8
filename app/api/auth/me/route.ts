import { sessions } from '@/lib/demo/sessions';

export const GET = sessions.protect('auth', {}, (_request, { principal }) =>
  Response.json({ user: principal.user, loginAt: principal.loginAt }),
);
