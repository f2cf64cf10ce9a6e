/**
 * The mails the service sends, as plain text and HTML. Tokens travel only in the link's URL
 * fragment, which browsers never send to a server (so no access log or `Referer` holds them),
 * and never in a subject: subjects end up in logs and notifications.
 */

/** What kind of mail: the notices can each be switched off (`AUTH_EMAIL_NOTICES`). */
export type EmailKind = 'verify_address' | 'password_reset' | 'password_changed' | 'address_changed' | 'new_sign_in' | 'factor_changed';

/** One mail, ready to send. */
export interface EmailMessage {
  readonly kind: EmailKind;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** Where mails point, and whose they are. */
export interface MailContext {
  readonly productName: string;
  readonly appUrl: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A mail of paragraphs, with at most one link (shown as a button and as text). */
function compose(
  kind: EmailKind,
  to: string,
  subject: string,
  ctx: MailContext,
  paragraphs: readonly string[],
  link?: { readonly label: string; readonly url: string },
): EmailMessage {
  const sign = `— ${ctx.productName}`;
  const text = [...paragraphs, ...(link ? [`${link.label}: ${link.url}`] : []), sign].join('\n\n');
  const html = [
    '<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#1d2330;max-width:560px">',
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(link
      ? [
          `<p><a href="${escapeHtml(link.url)}" style="background:#1d4ed8;color:#fff;padding:.5rem 1rem;border-radius:6px;text-decoration:none">${escapeHtml(link.label)}</a></p>`,
          `<p style="color:#667;font-size:.9em">${escapeHtml(link.url)}</p>`,
        ]
      : []),
    `<p style="color:#667">${escapeHtml(sign)}</p></body></html>`,
  ].join('');
  return { kind, to, subject: `${ctx.productName}: ${subject}`, text, html };
}

/** A link into the app with a token in its fragment. */
const tokenLink = (ctx: MailContext, page: string, token: string) => `${ctx.appUrl.replace(/\/$/, '')}/${page}#token=${token}`;

/** Asks the owner of an address to prove it. */
export const verifyAddressMail = (to: string, token: string, ctx: MailContext) =>
  compose(
    'verify_address',
    to,
    'confirm your email address',
    ctx,
    ['Confirm that this is your email address. The link works once, for 24 hours.', 'If you did not ask for this, ignore this mail.'],
    { label: 'Confirm my address', url: tokenLink(ctx, 'verify-email', token) },
  );

/** A link to choose a new password. */
export const passwordResetMail = (to: string, token: string, minutes: number, ctx: MailContext) =>
  compose(
    'password_reset',
    to,
    'reset your password',
    ctx,
    [
      `Someone asked to reset the password of the account with this address. The link works once, for ${minutes} minutes.`,
      'If it was not you, ignore this mail: your password stays as it is.',
    ],
    { label: 'Choose a new password', url: tokenLink(ctx, 'reset-password', token) },
  );

/** The password changed. */
export const passwordChangedMail = (to: string, ctx: MailContext) =>
  compose('password_changed', to, 'your password was changed', ctx, [
    'The password of your account was just changed, and every session of the account was ended.',
    'If you did not do this, reset your password now and tell your administrator.',
  ]);

/** A change of address was asked for: told to the old address, which can still act. */
export const addressChangedMail = (to: string, newAddress: string, ctx: MailContext) =>
  compose('address_changed', to, 'a change of your email address', ctx, [
    `Someone signed in to your account asked to change its email address to ${newAddress}. It changes once the new address confirms it.`,
    'If this was not you, change your password now, and end your other sessions.',
  ]);

/** A second factor was added or removed. */
export const factorChangedMail = (to: string, change: 'added' | 'removed', factor: string, ctx: MailContext) =>
  compose('factor_changed', to, `a second factor was ${change}`, ctx, [
    `A second factor (${factor}) was just ${change} ${change === 'added' ? 'to' : 'from'} your account.`,
    'If you did not do this, reset your password and tell your administrator.',
  ]);

/** A sign-in from somewhere the account has not been used from. */
export const newSignInMail = (to: string, from: { sourceIp?: string | undefined; userAgent?: string | undefined }, ctx: MailContext) =>
  compose('new_sign_in', to, 'a sign-in from a new place', ctx, [
    `Your account was just signed in to from ${from.sourceIp ?? 'an unknown address'} (${(from.userAgent ?? 'an unknown device').slice(0, 120)}).`,
    'If this was not you, change your password and end your other sessions.',
  ]);
