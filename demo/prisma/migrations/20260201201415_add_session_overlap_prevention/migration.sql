-- This is an empty migration.

-- Anti-chevauchement des séances (incident du 31/01 : un coach réservé deux fois sur le même créneau).
-- Rien de tout ceci n'est représentable dans schema.prisma : extension, contrainte d'exclusion,
-- CHECK et trigger vivent uniquement ici. Ne pas les « corriger » depuis le schéma.

CREATE EXTENSION IF NOT EXISTS btree_gist;

-- Un coach ne peut pas avoir deux séances actives qui se chevauchent.
ALTER TABLE "session_bookings"
  ADD CONSTRAINT "session_bookings_coach_no_overlap"
  EXCLUDE USING gist (
    "coachId" WITH =,
    tsrange("startsAt", "endsAt", '[)') WITH &&
  )
  WHERE ("status" NOT IN ('CANCELLED', 'NO_SHOW', 'RESCHEDULED'));

ALTER TABLE "session_bookings"
  ADD CONSTRAINT "session_bookings_time_range_check" CHECK ("endsAt" > "startsAt");

COMMENT ON CONSTRAINT "session_bookings_coach_no_overlap" ON "session_bookings" IS
  'Anti double-booking coach; les statuts CANCELLED, NO_SHOW et RESCHEDULED libèrent le créneau';

-- Côté élève : un trigger plutôt qu'une contrainte, pour renvoyer un message exploitable par l'API
-- (lib/sessions/booking.ts attrape SESSION_OVERLAP).
CREATE OR REPLACE FUNCTION prevent_student_double_booking() RETURNS trigger AS $$
DECLARE
  conflicting_id TEXT;
BEGIN
  IF NEW."status" IN ('CANCELLED', 'NO_SHOW', 'RESCHEDULED') THEN
    RETURN NEW;
  END IF;

  SELECT sb."id" INTO conflicting_id
  FROM "session_bookings" sb
  WHERE sb."studentId" = NEW."studentId"
    AND sb."id" <> NEW."id"
    AND sb."status" NOT IN ('CANCELLED', 'NO_SHOW', 'RESCHEDULED')
    AND tsrange(sb."startsAt", sb."endsAt", '[)') && tsrange(NEW."startsAt", NEW."endsAt", '[)')
  LIMIT 1;

  IF conflicting_id IS NOT NULL THEN
    RAISE EXCEPTION 'SESSION_OVERLAP: student % already booked (session %); pick another slot',
      NEW."studentId", conflicting_id
      USING ERRCODE = 'exclusion_violation';
  END IF;

  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS "session_bookings_student_overlap" ON "session_bookings";

CREATE TRIGGER "session_bookings_student_overlap"
  BEFORE INSERT OR UPDATE OF "studentId", "startsAt", "endsAt", "status" ON "session_bookings"
  FOR EACH ROW EXECUTE FUNCTION prevent_student_double_booking();
