DROP TABLE task_events;
DROP TABLE task_coordinators;
DROP TABLE tasks;
DROP TABLE directives;
