-- findings: every check finding (see sql/checks/check_findings.sql); no parameters.
-- Used by quint_reports.checks.check and quint_reports.analysis.findings.
select * from check_findings;
