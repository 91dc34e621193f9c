import type { Corpus } from './corpus.js';

/** Seven short insurance-policy documents: the knowledge base of the RAG agent and the policy sub-agent. */
export const POLICY_CORPUS: Corpus = {
  name: 'policy-kb',
  indexVersion: 'policy-kb-2026-11-01',
  documents: [
    {
      id: 'policy-kb/refunds#1',
      uri: 'file://corpus/policies/refunds.md',
      title: 'Refunds',
      text: 'Premiums are refunded pro rata when a policy is cancelled within the first 30 days; after that a 10% administration fee applies.',
      ingestedAt: '2026-10-28T09:00:00.000Z',
    },
    {
      id: 'policy-kb/water-damage#1',
      uri: 'file://corpus/policies/water-damage.md',
      title: 'Water damage',
      text: 'Sudden water damage from burst pipes is covered up to 25,000 EUR; gradual leaks and damp are excluded.',
      ingestedAt: '2026-10-28T09:00:00.000Z',
    },
    {
      id: 'policy-kb/claims-deadline#1',
      uri: 'file://corpus/policies/claims-deadline.md',
      title: 'Claims deadline',
      text: 'A claim must be reported within 14 days of the incident, with photos and an invoice or estimate of the repair.',
      ingestedAt: '2026-10-29T14:30:00.000Z',
    },
    {
      id: 'policy-kb/theft#1',
      uri: 'file://corpus/policies/theft.md',
      title: 'Theft',
      text: 'Theft from the home is covered when there are signs of forced entry and a police report number is supplied.',
      ingestedAt: '2026-10-29T14:30:00.000Z',
    },
    {
      id: 'policy-kb/travel#1',
      uri: 'file://corpus/policies/travel.md',
      title: 'Travel cover',
      text: 'Personal belongings are covered abroad for up to 90 consecutive days per trip, limited to 2,000 EUR per item.',
      ingestedAt: '2026-10-30T08:15:00.000Z',
    },
    {
      id: 'policy-kb/deductible#1',
      uri: 'file://corpus/policies/deductible.md',
      title: 'Deductible',
      text: 'The standard deductible is 250 EUR per claim; it is waived for glass breakage and for claims under the travel cover.',
      ingestedAt: '2026-10-30T08:15:00.000Z',
    },
    {
      id: 'policy-kb/complaints#1',
      uri: 'file://corpus/policies/complaints.md',
      title: 'Complaints',
      text: 'Customers may escalate a rejected claim to the complaints office, which must answer in writing within 8 weeks.',
      ingestedAt: '2026-10-31T11:45:00.000Z',
    },
  ],
};
