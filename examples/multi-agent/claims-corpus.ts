import type { Corpus } from '../shared/corpus.js';

/** Past claim decisions: the knowledge base of the claims-history sub-agent (reached over the queue). */
export const CLAIMS_CORPUS: Corpus = {
  name: 'claims-history',
  indexVersion: 'claims-history-2026-11-15',
  documents: [
    {
      id: 'claims-history/2026-0412',
      uri: 'db://claims/decisions/2026-0412',
      title: 'Burst pipe, kitchen',
      text: 'Claim 2026-0412: burst pipe under the kitchen sink, reported after 3 days; paid 4,180 EUR minus the 250 EUR deductible.',
      ingestedAt: '2026-11-10T06:00:00.000Z',
    },
    {
      id: 'claims-history/2026-0519',
      uri: 'db://claims/decisions/2026-0519',
      title: 'Damp in basement',
      text: 'Claim 2026-0519: damp in the basement over several months; rejected as gradual damage, upheld by the complaints office.',
      ingestedAt: '2026-11-10T06:00:00.000Z',
    },
    {
      id: 'claims-history/2026-0603',
      uri: 'db://claims/decisions/2026-0603',
      title: 'Late report',
      text: 'Claim 2026-0603: water damage reported 40 days after the incident; rejected for missing the 14-day reporting deadline.',
      ingestedAt: '2026-11-12T06:00:00.000Z',
    },
    {
      id: 'claims-history/2026-0711',
      uri: 'db://claims/decisions/2026-0711',
      title: 'Bicycle theft',
      text: 'Claim 2026-0711: bicycle stolen from a locked shed with a police report; paid at replacement value after the deductible.',
      ingestedAt: '2026-11-12T06:00:00.000Z',
    },
    {
      id: 'claims-history/2026-0822',
      uri: 'db://claims/decisions/2026-0822',
      title: 'Laptop abroad',
      text: 'Claim 2026-0822: laptop damaged on day 12 of a trip abroad; paid in full under the travel cover, no deductible.',
      ingestedAt: '2026-11-14T06:00:00.000Z',
    },
    {
      id: 'claims-history/2026-0907',
      uri: 'db://claims/decisions/2026-0907',
      title: 'Washing machine leak',
      text: 'Claim 2026-0907: sudden washing machine hose failure flooded the hallway; paid 2,950 EUR after the deductible.',
      ingestedAt: '2026-11-14T06:00:00.000Z',
    },
  ],
};
