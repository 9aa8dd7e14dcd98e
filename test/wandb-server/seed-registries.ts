import type { SeedRegistries } from './registry-state';

export const ORGANIZATION = 'mlgate-org';
export const ORG_ENTITY = 'mlgate-org-entity';

const version = (i: number, aliases: string[], tags: string[], valAcc: number, day: number) => ({
  aliases,
  tags,
  metadata: { val_acc: valAcc, epochs: 10 + i },
  description: `classifier trained in trial ${i}`,
  createdAt: `2026-02-${String(day).padStart(2, '0')}T10:00:00`,
  source: { project: 'vision', name: 'classifier' },
});

/** The registries, collections and versions the SDK suite and gateway tests assert against. */
export const registrySeed = (): SeedRegistries => ({
  organization: ORGANIZATION,
  orgEntity: ORG_ENTITY,
  registries: [
    {
      name: 'model',
      description: 'Models ready for evaluation and release.',
      createdAt: '2026-01-05T08:00:00',
      collections: [
        {
          name: 'classifier',
          type: 'model',
          description: 'Image classifier.',
          tags: ['vision'],
          createdAt: '2026-02-01T09:00:00',
          versions: [
            version(0, ['baseline'], [], 0.7, 1),
            version(1, ['staging'], ['candidate'], 0.71, 2),
            version(2, ['production'], ['prod'], 0.72, 3),
          ],
        },
        {
          name: 'detector',
          type: 'model',
          description: 'Object detector.',
          tags: [],
          createdAt: '2026-02-04T09:00:00',
          versions: [{ ...version(3, ['v-first'], [], 0.61, 4), source: { project: 'vision', name: 'detector' } }],
        },
      ],
    },
    {
      name: 'dataset',
      description: 'Curated datasets.',
      createdAt: '2026-01-06T08:00:00',
      collections: [
        {
          name: 'imagenet-subset',
          type: 'dataset',
          description: 'A 10-class subset.',
          tags: ['images'],
          createdAt: '2026-01-10T09:00:00',
          versions: [
            { aliases: ['latest-clean'], tags: [], metadata: { classes: 10 }, description: 'first cut', createdAt: '2026-01-10T09:00:00', source: { project: 'vision', name: 'imagenet-subset' } },
            { aliases: [], tags: ['deduplicated'], metadata: { classes: 10 }, description: 'deduplicated', createdAt: '2026-01-12T09:00:00', source: { project: 'vision', name: 'imagenet-subset' } },
          ],
        },
      ],
    },
  ],
  logged: [
    {
      project: 'vision',
      name: 'resnet',
      type: 'model',
      versions: [0, 1, 2].map((i) => ({ aliases: i === 1 ? ['best'] : [], tags: [], metadata: { depth: 18 + 16 * i }, description: `resnet trial ${i}`, createdAt: `2026-02-1${i}T10:00:00` })),
    },
  ],
});
