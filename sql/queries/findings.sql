-- findings: every check finding (check_findings; each rule is a file of sql/checks/); no parameters.
-- Used by quint_reports.analysis.checks.check and quint_reports.analysis.marts.findings.
select * from check_findings;
