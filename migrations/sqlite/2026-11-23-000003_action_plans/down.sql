DROP TABLE progress_updates;
DROP TABLE actions;
DROP TABLE goal_competencies;
DROP TABLE goals;
DROP TABLE priority_ethnic_categories;
DROP TABLE priorities;
DROP TABLE plans;
DROP TABLE templates;
ALTER TABLE alliances DROP COLUMN reporting_cycle_days;
