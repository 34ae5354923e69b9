DROP TABLE project_learning_items;
DROP TABLE project_publications;
DROP TABLE project_updates;
DROP TABLE project_milestones;
DROP TABLE project_phases;
DROP TABLE project_participants;
DROP TABLE project_aims;
DROP TABLE projects;
