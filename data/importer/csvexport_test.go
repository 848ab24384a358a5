package importer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/peermatch/peermatch/data"
)

func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		`=HYPERLINK("http://x.example","click")`: `'=HYPERLINK("http://x.example","click")`,
		"=cmd|' /C calc'!A0":                     "'=cmd|' /C calc'!A0",
		"+SUM(A1)":                               "'+SUM(A1)",
		"-2+3+cmd|' /C calc'!A0":                 "'-2+3+cmd|' /C calc'!A0",
		"@SUM(A1)":                               "'@SUM(A1)",
		"\t=1":                                   "'\t=1",
		"\r=1":                                   "'\r=1",
		"-97.74":                                 "-97.74",
		"+1 (555) 010-0199":                      "+1 (555) 010-0199",
		"Grief circle":                           "Grief circle",
		"":                                       "",
	} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
		if got := csvUnescape(CSVSafe(in)); got != in {
			t.Errorf("csvUnescape(CSVSafe(%q)) = %q", in, got)
		}
	}
}

// Formula cells are flagged by the importer (so by validate) with the
// record and field, escaped on export, and read back unchanged.
func TestCSVFormulaInjection(t *testing.T) {
	const name = `=HYPERLINK("http://evil.example","Grief")`
	in := "id,name,topics,format,organization,online_url,timezone,day,time,source,last_verified\n" +
		"ok,Good,grief,online,Org,https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01\n" +
		`evil,"` + strings.ReplaceAll(name, `"`, `""`) + `",grief,online,"=cmd|' /C calc'!A0",https://meet.example/x,America/Chicago,Monday,19:00,https://example.org,2026-01-01` + "\n"
	v := vocab(t)
	gs, ps, err := ImportReader(v, "sheet.csv", strings.NewReader(in), ImportOptions{})
	if err != nil || len(gs) != 2 {
		t.Fatalf("%d groups, %v, %v", len(gs), ps, err)
	}
	var fields []string
	for _, p := range ps {
		var re *data.RecordError
		if !IsWarning(p) || !errors.As(p, &re) || re.Record != 2 || re.Line != 3 || re.ID != "evil" {
			t.Errorf("problem %v, want a warning for sheet.csv:3 record 2", p)
			continue
		}
		fields = append(fields, re.Field)
	}
	if !reflect.DeepEqual(fields, []string{"name", "organization"}) {
		t.Errorf("flagged fields %v, want [name organization]", fields)
	}

	var out bytes.Buffer
	if _, _, err := ExportCSV(&out, gs); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(out.Bytes())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		for _, c := range r {
			if formulaLike(c) {
				t.Errorf("exported cell %q would run as a formula", c)
			}
		}
	}
	back, _, err := ImportReader(v, "export.csv", bytes.NewReader(out.Bytes()), ImportOptions{})
	if err != nil || len(back) != 2 || back[1].Name != name || back[1].Organization != "=cmd|' /C calc'!A0" {
		t.Fatalf("read back %+v, %v", back, err)
	}
}

// Exporting the worked example and importing the export gives the same
// groups.
func TestExportCSVRoundTrip(t *testing.T) {
	v := vocab(t)
	want, ps, err := Import(v, "testdata/import/groups.csv", ImportOptions{})
	if err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	// A first meeting in a zone of its own, and a negative longitude.
	want[1].Meetings[0].TimeZone = "Europe/Madrid"
	var out bytes.Buffer
	rows, problems, err := ExportCSV(&out, want)
	if err != nil || len(problems) > 0 || rows < 4 {
		t.Fatalf("%d rows, %v, %v", rows, problems, err)
	}
	got, ps, err := ImportReader(v, "export.csv", bytes.NewReader(out.Bytes()), ImportOptions{})
	if err != nil || len(ps) > 0 {
		t.Fatal(err, ps)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs:\n got %+v\nwant %+v\n%s", got, want, out.String())
	}
}

// The HSDS CSV tables are spreadsheets too: a formula cell is flagged with
// its file, line, row and column.
func TestHSDSTablesFormulaCell(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"services.csv", "organizations.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata/import/hsds-tables", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "organizations.csv" {
			b = append(b, "org-evil,@SUM(1+1)*cmd|' /C calc'!A0,https://evil.example\n"...)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	_, ps, err := Import(vocab(t), dir, ImportOptions{Format: SourceHSDSTables, TimeZone: "America/Chicago", Topics: []string{"grief"}})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range ps {
		var re *data.RecordError
		if IsWarning(p) && errors.As(p, &re) && strings.HasSuffix(re.Source, "organizations.csv") && re.Field == "name" && re.Line > 1 && strings.Contains(re.Reason, `starts with "@"`) {
			found = true
		}
	}
	if !found {
		t.Errorf("problems %v, want a warning for organizations.csv field name", ps)
	}
}
