// Seed de développement — `npx prisma db seed` (après `prisma migrate reset --force`).
//
// NB : les colonnes d'activation de `users` s'appellent littéralement "activatedAt",
// "activationToken" et "activationExpiry" (camelCase, pas de @map). Elles ont été ajoutées
// par `db push` : tant que la migration baseline n'existe pas, `migrate reset` ne les crée pas
// et ce seed échoue sur une base neuve.
import { PrismaClient, Subject, UserRole } from '@prisma/client';
import bcrypt from 'bcryptjs';

const prisma = new PrismaClient();

async function main() {
  const password = await bcrypt.hash(process.env.SEED_PASSWORD ?? 'nexus-dev-2026', 12);
  const now = new Date();

  await prisma.user.upsert({
    where: { email: 'admin@nexus.local' },
    update: {},
    create: { email: 'admin@nexus.local', password, role: UserRole.ADMIN, firstName: 'Admin', lastName: 'Nexus', activatedAt: now },
  });

  await prisma.user.upsert({
    where: { email: 'assistante@nexus.local' },
    update: {},
    create: { email: 'assistante@nexus.local', password, role: UserRole.ASSISTANTE, firstName: 'Cléa', lastName: 'Assistante', activatedAt: now },
  });

  const coach = await prisma.user.upsert({
    where: { email: 'helios@nexus.local' },
    update: {},
    create: {
      email: 'helios@nexus.local',
      password,
      role: UserRole.COACH,
      firstName: 'Hélios',
      activatedAt: now,
      coachProfile: {
        create: { pseudonym: 'Hélios', title: 'Agrégé de mathématiques', subjects: [Subject.MATHEMATIQUES, Subject.NSI] },
      },
    },
  });

  const parent = await prisma.user.upsert({
    where: { email: 'parent@nexus.local' },
    update: {},
    create: {
      email: 'parent@nexus.local',
      password,
      role: UserRole.PARENT,
      firstName: 'Sonia',
      lastName: 'Gharbi',
      activatedAt: now,
      parentProfile: { create: { city: 'Tunis' } },
    },
    include: { parentProfile: true },
  });

  // Compte élève créé par l'assistante : pas encore activé, lien valable 7 jours.
  await prisma.user.upsert({
    where: { email: 'eleve@nexus.local' },
    update: {},
    create: {
      email: 'eleve@nexus.local',
      role: UserRole.ELEVE,
      firstName: 'Yassine',
      lastName: 'Gharbi',
      activationToken: 'dev-activation-token',
      activationExpiry: new Date(now.getTime() + 7 * 24 * 3600 * 1000),
      student: { create: { parentId: parent.parentProfile!.id, grade: 'Terminale' } },
    },
  });

  await prisma.invoiceSequence.upsert({
    where: { year: now.getFullYear() },
    update: {},
    create: { year: now.getFullYear(), prefix: 'NR' },
  });

  console.log(`Seed OK (coach ${coach.id})`);
}

main()
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => prisma.$disconnect());
