package main

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/hr_export.csv with the generator")

// exportFile is a realistic HR export: 300 employees, a BOM, CRLF line
// ends, a blank line, quoted commas, quotes and line breaks, non-ASCII
// names, the HR system's own headers, two columns the endpoint does not
// have, and bad rows. It is committed; go test -run TestExportFile
// -update regenerates it.
var exportFile = filepath.Join("testdata", "hr_export.csv")

func TestExportFile(t *testing.T) {
	if *update {
		if err := os.WriteFile(exportFile, generateExport(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(exportFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, generateExport()) {
		t.Errorf("%s is not what the generator writes: run go test -run TestExportFile -update", exportFile)
	}
	if !bytes.HasPrefix(b, []byte("\ufeff")) || !bytes.Contains(b, []byte("\r\n\r\n")) {
		t.Errorf("%s lacks its BOM or its blank line", exportFile)
	}
}

var (
	firstNames = []string{"José", "Zoë", "Åsa", "Björn", "François", "Łukasz", "Søren", "Chloé", "Oluwaseun", "Fatima",
		"Ana", "Mei", "Ngozi", "Siobhán", "Dmitri", "Aiko", "Ömer", "Renée", "Tomás", "Priya"}
	lastNames = []string{"Núñez", "Müller", "Kowalczyk", "Yılmaz", "Novák", "O'Brien", "Ødegård", "García", "Nakamura", "Okafor",
		"Dubois", "Lindqvist", "Ivanova", "Chen", "Ferreira", "Smith", "Łęcka", "Håkansson", "Petrović", "Rossi"}
	departments = []string{"Engineering", "Customer Success", "Research, Development", `Sales "EMEA"`, "People & Culture", "Finance"}
	zones       = []string{"Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo", "Europe/Oslo", "Africa/Lagos"}
	locales     = []string{"en-GB", "fr-FR", "en_US", "de-DE", "nb-NO", "ja"}
	statuses    = []string{"Active", "active", "Yes", "1", "TRUE", "Active", "Active"}
)

// ascii is a name as it appears in an email address.
func ascii(s string) string {
	r := strings.NewReplacer("é", "e", "ë", "e", "É", "E", "Å", "A", "å", "a", "ö", "o", "Ö", "O", "ç", "c", "Ł", "L", "ł", "l",
		"ø", "o", "Ø", "O", "ñ", "n", "ú", "u", "ü", "u", "ı", "i", "á", "a", "ę", "e", "í", "i", "ć", "c", "'", "", " ", "")
	return strings.ToLower(r.Replace(s))
}

// generateExport writes the export; its bad rows are at fixed rows, so
// that tests name their lines.
func generateExport() []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write([]string{"Employee ID", "Work Email", "First Name", "Last Name", "Employee #", "Department", "Manager Email",
		"Time Zone", "Locale", "Start Date", "Status", "Cost Centre", "Notes"})
	email := func(i int) string {
		return fmt.Sprintf("%s.%s.%d@acme-hr.example", ascii(firstNames[i%len(firstNames)]), ascii(lastNames[(i*7)%len(lastNames)]), i)
	}
	for i := 1; i <= 300; i++ {
		first, last := firstNames[i%len(firstNames)], lastNames[(i*7)%len(lastNames)]
		manager := ""
		switch {
		case i == 1:
		case i <= 10:
			manager = email(1)
		case i%2 == 0:
			manager = email(2 + i%9)
		default:
			manager = email(291 + i%10) // listed after their reports
		}
		notes := ""
		switch i % 50 {
		case 3:
			notes = "Transferred from London, 2024"
		case 17:
			notes = "Part-time\nMon–Wed"
		}
		rec := []string{fmt.Sprintf("E%04d", i), email(i), first, last, fmt.Sprintf("%05d", 10000+i),
			departments[i%len(departments)], manager, zones[i%len(zones)], locales[(i/3)%len(locales)],
			fmt.Sprintf("20%02d-%02d-%02d", 15+i%10, 1+i%12, 1+i%28), statuses[i%len(statuses)], fmt.Sprintf("CC-%d", 100+i%4), notes}
		switch i {
		case 21:
			rec[1] = "not an email"
		case 22:
			rec[1] = "jose.nunez@"
		case 40:
			rec[7] = "Europe/Atlantis"
		case 41:
			rec[7] = "CEST" // and the one employee of the endpoint with a bad row
		case 60:
			rec[9] = "31/02/2020" // a manager: their reports are provisioned without them
		case 61, 62, 63:
			rec[6] = email(60)
		case 70:
			rec[8] = "english"
		case 99:
			rec[1] = email(98) // the same email as the row before, another Employee ID
		case 120:
			rec[6] = "chloe.novak.999@acme-hr.example" // nobody
		case 150, 151, 152:
			rec[10] = []string{"Terminated", "No", "inactive"}[i-150]
		}
		w.Write(rec)
		if i == 100 {
			w.Flush()
			b.WriteString("\r\n") // a blank line, which csv skips
		}
	}
	w.Flush()
	return b.Bytes()
}
