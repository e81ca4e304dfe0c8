/**
 * The shape of every demo session, checked on read (Standard Schema through zod): authentic data of
 * the wrong shape (an older release's format, a bug elsewhere) reads as "no session", never a 500.
 */
import { z } from 'zod';

/** A cart holds at most this many items, so the record stays small. */
export const MAX_ITEMS = 50;
/** The longest name, item or user id the demo accepts (the same bound as the request parsers). */
export const MAX_TEXT = 64;

const text = z.string().min(1).max(MAX_TEXT);

export const UserSessionSchema = z.object({ name: text, count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });
export const CartSchema = z.object({ items: z.array(text).max(MAX_ITEMS) });
/** `device`: a short label from the User-Agent at login ("Firefox on Linux"), shown in the account's device list. */
export const AuthSessionSchema = z.object({ user: text, loginAt: z.number().int().positive(), device: text.optional() });
export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export const PrefsSchema = z.object({ theme: ThemeSchema });
/** The shape of Ktor's docs example: `@Serializable data class UserSession(val userId: String, val cart: List<String>)`. */
export const KtorSessionSchema = z.object({ userId: text, cart: z.array(text).max(MAX_ITEMS) });

export type UserSession = z.infer<typeof UserSessionSchema>;
export type Cart = z.infer<typeof CartSchema>;
export type AuthSession = z.infer<typeof AuthSessionSchema>;
export type Theme = z.infer<typeof ThemeSchema>;
/** Display preferences, readable by the client (signed, not encrypted): the theme applied on every page. */
export type Prefs = z.infer<typeof PrefsSchema>;
export type KtorSession = z.infer<typeof KtorSessionSchema>;
