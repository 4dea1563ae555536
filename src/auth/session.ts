import type { Request, Response } from 'express';
import type { AuthConfig } from './config';
import { hmac, randomToken, safeEqual } from './crypto';
import type { AuthCollections, SessionDoc } from './model';

/**
 * Browser sessions for the login, picker, consent and launcher pages: the cookie holds
 * `<sid>.<hmac>` (HttpOnly, SameSite=Lax, Secure on https, Path=/auth); the session itself lives
 * in `auth_sessions`. CSRF tokens are an HMAC of the session id, checked on every POST form.
 */
const COOKIE = 'telefhir_session';

export class Sessions {
  constructor(
    private readonly config: AuthConfig,
    private readonly collections: AuthCollections,
    private readonly secret: string,
  ) {}

  async current(req: Request): Promise<SessionDoc | undefined> {
    const raw = readCookie(req.headers.cookie, COOKIE);
    if (!raw) return undefined;
    const dot = raw.lastIndexOf('.');
    const sid = raw.slice(0, dot);
    if (dot <= 0 || !safeEqual(raw.slice(dot + 1), hmac(this.secret, `sid:${sid}`))) return undefined;
    const doc = await this.collections.sessions.findOne({ _id: sid });
    return doc && doc.expiresAt > this.config.now() ? doc : undefined;
  }

  /** The current session, or a new anonymous one (cookie set on `res`). */
  async ensure(req: Request, res: Response): Promise<SessionDoc> {
    return (await this.current(req)) ?? this.create(res);
  }

  /** Logs `userId` in on a NEW session id (no fixation); pending requests follow the browser. */
  async login(previous: SessionDoc | undefined, res: Response, userId: string): Promise<SessionDoc> {
    const session = await this.create(res, userId);
    if (previous) {
      for (const pending of await this.collections.pending.find({ sid: previous._id })) {
        await this.collections.pending.replaceOne({ _id: pending._id }, { ...pending, sid: session._id });
      }
      await this.collections.sessions.deleteOne({ _id: previous._id });
    }
    return session;
  }

  async logout(session: SessionDoc | undefined, res: Response): Promise<void> {
    if (session) await this.collections.sessions.deleteOne({ _id: session._id });
    res.setHeader('Set-Cookie', this.cookie('', 0));
  }

  csrfToken(session: SessionDoc): string {
    return hmac(this.secret, `csrf:${session._id}`);
  }

  checkCsrf(session: SessionDoc | undefined, token: unknown): boolean {
    return session !== undefined && typeof token === 'string' && safeEqual(token, this.csrfToken(session));
  }

  async alive(sid: string | undefined): Promise<boolean> {
    if (!sid) return false;
    const doc = await this.collections.sessions.findOne({ _id: sid });
    return doc !== null && doc.expiresAt > this.config.now() && doc.userId !== undefined;
  }

  private async create(res: Response, userId?: string): Promise<SessionDoc> {
    const session: SessionDoc = {
      _id: randomToken(24),
      ...(userId ? { userId } : {}),
      expiresAt: this.config.now() + this.config.sessionSeconds * 1000,
    };
    await this.collections.sessions.insertOne(session);
    res.setHeader('Set-Cookie', this.cookie(`${session._id}.${hmac(this.secret, `sid:${session._id}`)}`, this.config.sessionSeconds));
    return session;
  }

  private cookie(value: string, maxAge: number): string {
    const secure = this.config.secureCookies ? '; Secure' : '';
    return `${COOKIE}=${value}; Path=${this.config.authPath}; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`;
  }
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
