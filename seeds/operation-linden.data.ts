/**
 * Facts for the Operation Linden seed, taken from ../shared/data/operation-linden.json (compiled from
 * public reporting). Summaries are our own words; each recommendation links to the source that
 * supports it. References LIN-01 to LIN-12 are the tracker's own numbering, not the IOPC's.
 */
import type { OrganisationKind, ResponseStance, TextStatus } from '../src/db/tables';
import type { LegalBasis } from '../src/modules/assignments/deadlines.rules';

const IOPC_LINDEN_PAGE =
  'https://www.policeconduct.gov.uk/our-work/learning/operation-linden-recommendations-south-yorkshire-police-and-college-policing';

export const LINDEN_REPORT = {
  slug: 'operation-linden-2021',
  title: 'Operation Linden – Learning and Recommendations',
  issuerName: 'Independent Office for Police Conduct',
  issuerShort: 'IOPC',
  publishedOn: '2021-11-23',
  legalBasis: 'iopc_para_28a' as LegalBasis,
  sourceUrl: IOPC_LINDEN_PAGE,
  summary:
    'Operation Linden was the IOPC’s set of 91 investigations into 265 allegations about how South ' +
    'Yorkshire Police dealt with child sexual exploitation in Rotherham between 1997 and 2013. Of the ' +
    '51 people who complained, 44 were survivors. 47 officers were investigated; 8 had a case to answer ' +
    'for misconduct and 6 for gross misconduct. In November 2021 the IOPC published 12 recommendations ' +
    'on officer training, support for survivors, information sharing between forces and how these ' +
    'offences are recorded. The overarching report followed on 22 June 2022.',
  /** The per-recommendation dates could not be confirmed; the publication date stands in for them. */
  recommendationsMadeOn: '2021-11-23',
  recommendationsMadeOnConfirmed: false,
};

export const LINDEN_ORGANISATIONS: { slug: string; name: string; kind: OrganisationKind }[] = [
  { slug: 'south-yorkshire-police', name: 'South Yorkshire Police', kind: 'police_force' },
  { slug: 'college-of-policing', name: 'College of Policing', kind: 'national_body' },
  { slug: 'law-commission', name: 'Law Commission', kind: 'national_body' },
  { slug: 'npcc', name: 'National Police Chiefs’ Council', kind: 'national_body' },
  { slug: 'home-office', name: 'Home Office', kind: 'government_department' },
  {
    slug: 'south-yorkshire-pcc',
    name: 'Office of the South Yorkshire Police and Crime Commissioner',
    kind: 'pcc_office',
  },
  { slug: 'iopc', name: 'Independent Office for Police Conduct', kind: 'national_body' },
];

export const LINDEN_THEMES: { slug: string; name: string }[] = [
  { slug: 'training', name: 'Training' },
  { slug: 'crime-recording', name: 'Crime recording' },
  { slug: 'law-reform', name: 'Law reform' },
  { slug: 'survivor-support', name: 'Survivor support' },
  { slug: 'survivor-voice', name: 'Survivor voice' },
  { slug: 'national-coordination', name: 'National coordination' },
  { slug: 'information-sharing', name: 'Information sharing' },
];

export interface SeedRecommendation {
  ref: string;
  title: string | null;
  body: string | null;
  textStatus: TextStatus;
  themes: string[];
  addressees: { organisation: string; confirmed: boolean }[];
  sourceUrl: string;
}

const to = (organisation: string, confirmed: boolean) => [{ organisation, confirmed }];
const pending = (ref: string): SeedRecommendation => ({
  ref,
  title: null,
  body: null,
  textStatus: 'pending',
  themes: [],
  addressees: [],
  sourceUrl: IOPC_LINDEN_PAGE,
});

export const LINDEN_RECOMMENDATIONS: SeedRecommendation[] = [
  {
    ref: 'LIN-01',
    title: 'Keep child sexual exploitation skills up to date',
    body:
      'Everyone who works on child sexual exploitation should keep the knowledge and skills the work needs. ' +
      'Regular training should allow for staff joining and leaving, support continuing professional ' +
      'development, and bring in new practice as it emerges.',
    textStatus: 'summary',
    themes: ['training'],
    addressees: to('south-yorkshire-police', true),
    sourceUrl:
      'https://www.southyorks.police.uk/find-out/accessing-information/operation-linden-recommendations-south-yorkshire-police-november-2021/',
  },
  {
    ref: 'LIN-02',
    title: 'Record crime in line with the Home Office Counting Rules',
    body: 'Public protection departments should record the crimes reported to them as the Home Office Counting Rules for Recorded Crime require.',
    textStatus: 'summary',
    themes: ['crime-recording'],
    addressees: to('south-yorkshire-police', true),
    sourceUrl: 'https://moderngov.rotherham.gov.uk/mgAi.aspx?ID=92942',
  },
  {
    ref: 'LIN-03',
    title: 'Review the law on offences committed by exploited children',
    body:
      'Review the law on offences that children and young people commit while being groomed or exploited: ' +
      'which defences are open to them, and whether such convictions could be filtered out of criminal ' +
      'records checks.',
    textStatus: 'summary',
    themes: ['law-reform', 'survivor-support'],
    addressees: to('law-commission', true),
    sourceUrl:
      'https://www.yorkshirepost.co.uk/news/key-step-forward-for-sammys-law-to-pardon-criminalised-cse-victims-3472465',
  },
  {
    ref: 'LIN-04',
    title: 'Let survivors’ experiences shape officer training',
    body: 'Survivors’ voices and experiences should shape how officers who investigate child sexual exploitation are trained.',
    textStatus: 'summary',
    themes: ['training', 'survivor-voice'],
    addressees: to('college-of-policing', false),
    sourceUrl:
      'https://www.rotherhamadvertiser.co.uk/news/view,watchdog-highlights-ongoing-failings-in-report-into-police-handling-of-roth_40228.htm',
  },
  {
    ref: 'LIN-05',
    title: 'Keep survivors informed and supported',
    body: 'Check that the Victims’ Code is being followed, and keep survivors regularly told how their cases are progressing.',
    textStatus: 'summary',
    themes: ['survivor-support'],
    addressees: to('south-yorkshire-police', false),
    sourceUrl: 'https://moderngov.rotherham.gov.uk/mgAi.aspx?ID=92942',
  },
  {
    ref: 'LIN-06',
    title: 'A national multi-agency approach',
    body: 'Build a national approach, across agencies, that identifies the main issues for how child sexual exploitation is policed.',
    textStatus: 'summary',
    themes: ['national-coordination'],
    addressees: to('npcc', false),
    sourceUrl: 'https://touch.policeoracle.com/news/article.cfm?id=108242',
  },
  {
    ref: 'LIN-07',
    title: 'Share information between forces',
    body: 'Improve the way police forces share information with each other about child sexual exploitation.',
    textStatus: 'summary',
    themes: ['information-sharing'],
    addressees: to('south-yorkshire-police', false),
    sourceUrl:
      'https://www.policeconduct.gov.uk/news/survivors-rotherham-child-sexual-abuse-must-be-heard-if-police-are-learn-past',
  },
  pending('LIN-08'),
  pending('LIN-09'),
  pending('LIN-10'),
  pending('LIN-11'),
  pending('LIN-12'),
];

export interface SeedResponse {
  organisation: string;
  /** Which assignments it answers: one reference, or every Linden recommendation addressed to the organisation. */
  appliesTo: string | 'all';
  stance: ResponseStance;
  /** Only the day the response was reported publicly is known, not the day it was sent. */
  reportedOn: string;
  text: string;
  sourceUrl: string;
}

export const LINDEN_RESPONSES: SeedResponse[] = [
  {
    organisation: 'south-yorkshire-police',
    appliesTo: 'all',
    stance: 'accepted',
    reportedOn: '2022-04-20',
    text: 'Rotherham council’s Overview and Scrutiny Management Board was told that the force had accepted the recommendations in full.',
    sourceUrl: 'https://moderngov.rotherham.gov.uk/mgAi.aspx?ID=93656',
  },
  {
    organisation: 'law-commission',
    appliesTo: 'LIN-03',
    stance: 'accepted',
    reportedOn: '2022-02-03',
    text: 'The Law Commission committed to consider the review as part of its next programme of law reform.',
    sourceUrl:
      'https://www.wired-gov.net/wg/news.nsf/articles/response+to+iicsa+report+into+child+sexual+exploitation+by+organised+networks+03022022122500?open',
  },
];
