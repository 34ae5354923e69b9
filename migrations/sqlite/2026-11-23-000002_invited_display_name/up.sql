-- The name an inviter gave a person. Shown for the membership while it is only an invitation,
-- so that inviting an email never reveals the name an existing account chose for itself.
ALTER TABLE memberships ADD COLUMN invited_display_name TEXT;
