ALTER TABLE memberships DROP COLUMN invited_display_name;
