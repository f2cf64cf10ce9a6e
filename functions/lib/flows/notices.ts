import type { EmailKind, EmailMessage, MailContext } from '../domain/email-messages';
import type { User } from '../domain/users';
import type { CoreDeps } from './deps';

/**
 * Mails a notice to the user's verified address, if mail is configured and this kind is on
 * (`AUTH_EMAIL_NOTICES`). An unverified address gets none: it may not be the user's.
 */
export async function notify(
  user: Pick<User, 'email' | 'emailVerified'>,
  kind: Exclude<EmailKind, 'verify_address' | 'password_reset'>,
  compose: (to: string, ctx: MailContext) => EmailMessage,
  deps: Pick<CoreDeps, 'mail'>,
): Promise<void> {
  const mail = deps.mail;
  if (!mail || user.email === undefined || user.emailVerified !== true || !mail.notices.includes(kind)) return;
  await mail.sender.send(compose(user.email, mail.context));
}
