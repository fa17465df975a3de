-- Beneficiary lists: which communes and villages a programme covers in a
-- year (xã/thôn đặc biệt khó khăn, biên giới, an toàn khu) and the decision
-- that lists them.
CREATE TABLE fund_beneficiaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    programme_id BIGINT NOT NULL REFERENCES programmes(id),
    phase_id BIGINT REFERENCES programme_phases(id),
    year INTEGER NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units(id),
    category TEXT NOT NULL,
    decision TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fund_beneficiaries_once ON fund_beneficiaries (programme_id, year, unit_id);
CREATE INDEX fund_beneficiaries_unit ON fund_beneficiaries (unit_id);
