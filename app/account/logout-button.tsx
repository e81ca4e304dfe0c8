import { logout } from '../login/actions';

/** A Server Action form: works before hydration, even without JavaScript. */
export function LogoutButton() {
  return (
    <form action={logout}>
      <button type="submit" className="secondary">
        Log out
      </button>
    </form>
  );
}
