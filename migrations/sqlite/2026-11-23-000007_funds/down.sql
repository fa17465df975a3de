DROP TABLE fund_disbursements;
DROP TABLE fund_allocations;
DROP TABLE fund_projects;
DROP TABLE fund_sources;
DROP TABLE programme_components;
DROP TABLE programme_phases;
DROP TABLE programmes;
