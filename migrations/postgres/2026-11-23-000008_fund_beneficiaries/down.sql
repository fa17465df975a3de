DROP TABLE fund_beneficiaries;
