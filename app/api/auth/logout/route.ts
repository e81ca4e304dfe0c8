import { sessions } from '@/lib/demo/sessions';

export const POST = sessions.handler(async (_request, { session }) => {
  await session.clear('auth');
  return Response.json({ user: null });
});
