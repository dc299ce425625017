/**
 * Sending one email through SMTP with nodemailer. The transport is built once from SMTP_URL; with
 * no SMTP_URL there is no sender, and emails stay in the outbox for an administrator to read.
 */
import nodemailer from 'nodemailer';

export interface MailToSend {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface MailSender {
  send(mail: MailToSend): Promise<void>;
  close(): void;
}

export function createSmtpSender(smtpUrl: string, from: string): MailSender {
  const url = new URL(smtpUrl);
  // A stuck server must not hold the scheduler for minutes (nodemailer reads these from the URL).
  for (const [name, value] of [
    ['connectionTimeout', '15000'],
    ['greetingTimeout', '15000'],
    ['socketTimeout', '30000'],
  ] as const) {
    if (!url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  const transport = nodemailer.createTransport(url.toString());
  return {
    async send(mail) {
      await transport.sendMail({ from, ...mail });
    },
    close: () => transport.close(),
  };
}
