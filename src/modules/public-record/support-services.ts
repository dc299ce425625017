/**
 * The support services named beside the feedback form and on its thanks page. They come from
 * configuration (SUPPORT_SERVICES_FILE, a JSON file checked against `SupportServicesFile` at start);
 * without one, the defaults below: national services in England and Wales that a survivor of child
 * sexual exploitation may turn to, each with its public phone line and website.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ajv } from '../../shared/validation';

export const SupportService = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120, description: 'the service’s name' }),
    description: Type.String({
      minLength: 1,
      maxLength: 400,
      description: 'who it is for and what it offers, in a sentence',
    }),
    phone: Type.Optional(
      Type.String({
        pattern: '^[0-9][0-9 ]{1,18}[0-9]$',
        description: 'a phone number of digits and spaces, such as 0808 801 0331',
      }),
    ),
    phoneNote: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 120,
        description: 'a few words on the phone line, such as "free, 24 hours a day"',
      }),
    ),
    website: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https://',
        maxLength: 300,
        description: 'an https:// address',
      }),
    ),
  },
  { additionalProperties: false },
);
export type SupportService = Static<typeof SupportService>;

export const SupportServicesFile = Type.Object(
  {
    services: Type.Array(SupportService, {
      minItems: 1,
      maxItems: 20,
      description: 'a list of 1 to 20 services',
    }),
  },
  { additionalProperties: false },
);
export type SupportServicesFile = Static<typeof SupportServicesFile>;

const validateFile = ajv.compile<SupportServicesFile>(SupportServicesFile);

/**
 * National services, free to call, that do not need anyone to report anything to the police.
 * Numbers as each service publishes them; an operator replaces or extends the list with a file.
 */
export const DEFAULT_SUPPORT_SERVICES: readonly SupportService[] = [
  {
    name: 'NAPAC (the National Association for People Abused in Childhood)',
    description: 'Support for adults who were abused in childhood, including sexual abuse.',
    phone: '0808 801 0331',
    phoneNote: 'free',
    website: 'https://napac.org.uk',
  },
  {
    name: 'Rape Crisis England & Wales',
    description:
      'The 24/7 Rape and Sexual Abuse Support Line, for anyone affected by rape, sexual abuse or sexual violence, whenever it happened.',
    phone: '0808 500 2222',
    phoneNote: 'free, 24 hours a day, every day',
    website: 'https://rapecrisis.org.uk',
  },
  {
    name: 'Childline',
    description: 'For children and young people under 19, about anything that worries them.',
    phone: '0800 1111',
    phoneNote: 'free',
    website: 'https://www.childline.org.uk',
  },
  {
    name: 'NSPCC Helpline',
    description: 'For adults who are worried about a child, or who want advice about abuse.',
    phone: '0808 800 5000',
    phoneNote: 'free',
    website: 'https://www.nspcc.org.uk',
  },
  {
    name: 'Victim Support',
    description:
      'Free, confidential support for anyone affected by crime, whether or not it was reported to the police.',
    phone: '08 08 16 89 111',
    phoneNote: 'free, 24 hours a day, every day',
    website: 'https://www.victimsupport.org.uk',
  },
  {
    name: 'Samaritans',
    description: 'To talk about anything that is troubling you, at any time of the day or night.',
    phone: '116 123',
    phoneNote: 'free, 24 hours a day, every day',
    website: 'https://www.samaritans.org',
  },
];

/**
 * The services in a file's text, or the first problem with it in a few words (where in the file,
 * and what was expected), for the one-line configuration error.
 */
export function parseSupportServices(
  text: string,
): { ok: true; services: SupportService[] } | { ok: false; problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { ok: false, problem: `is not JSON (${(err as Error).message})` };
  }
  if (!validateFile(data)) {
    const error = validateFile.errors![0]!;
    const where = error.instancePath || '(the top level)';
    const expected =
      error.keyword === 'additionalProperties'
        ? `has no setting "${String(error.params.additionalProperty)}"`
        : error.keyword === 'required'
          ? `needs "${String(error.params.missingProperty)}"`
          : `must be ${(error.parentSchema as { description?: string }).description ?? error.message}`;
    return { ok: false, problem: `${where} ${expected}` };
  }
  const unreachable = data.services.findIndex((s) => !s.phone && !s.website);
  if (unreachable >= 0)
    return { ok: false, problem: `/services/${unreachable} needs a "phone" or a "website"` };
  return { ok: true, services: data.services };
}

/** What a page shows of each service: the number to dial and the website's name as people say it. */
export function supportServicesView(services: readonly SupportService[]) {
  return services.map((s) => ({
    ...s,
    telHref: s.phone ? `tel:${s.phone.replace(/ /g, '')}` : null,
    websiteText: s.website
      ? new URL(s.website).host.replace(/^www\./, '') +
        new URL(s.website).pathname.replace(/\/$/, '')
      : null,
  }));
}
