package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"image"
	_ "image/png" // the demo card portrait
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"zhipai/internal/app"
	"zhipai/internal/config"
	"zhipai/internal/domain"
	"zhipai/internal/raster"
	"zhipai/internal/roster"
	"zhipai/internal/sheet"
	"zhipai/internal/store"
)

func runMigrate(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "usage: zhipai migrate   (applies the database migrations of ZHIPAI_DATABASE_URL)")
		return exitUsage
	}
	cfg, err := config.FromEnv()
	if err != nil {
		return fail(stderr, usageError{err})
	}
	ctx := context.Background()
	st, err := store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return fail(stderr, err)
	}
	defer st.Close()
	before, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return fail(stderr, err)
	}
	if err := app.Migrate(ctx, st); err != nil {
		return fail(stderr, err)
	}
	after, _, _ := st.SchemaVersion(ctx)
	fmt.Fprintf(stdout, "schema version %d -> %d (%s)\n", before, after, st.Dialect())
	return exitOK
}

func runDemo(args []string, stdout, stderr io.Writer) int {
	return subcommand("demo", map[string]func([]string, io.Writer, io.Writer) int{"seed": demoSeed, "cards": demoCards}, []string{"seed", "cards"}, args, stdout, stderr)
}

// demoCards renders the specimen ID-card photos of a demo student: their
// fictitious name and number where a real card prints them.
func demoCards(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai demo cards", flag.ContinueOnError)
	fs.SetOutput(stderr)
	student := fs.Int("student", 1, "the demo student: 1 is the first on the demo roster, Zhang San")
	out := fs.String("out", "data/demo", "directory for idcard-front.jpg and idcard-back.jpg")
	portrait := fs.String("portrait", "testdata/astronaut.png", "PNG portrait for the card's front")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *student < 1 {
		return fail(stderr, usageError{fmt.Errorf("--student counts from 1")})
	}
	img, err := readPNG(*portrait)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	st := app.DemoStudentAt(*student - 1)
	if err := app.WriteDemoCards(*out, img, st); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "%s: specimen card of %s, %s (fictitious)\n", filepath.Join(*out, "idcard-{front,back}.jpg"), st.Name, st.DocNumber)
	return exitOK
}

// demoSeed creates the demo school, campaign and roster (idempotent) and
// writes specimen ID-card photos for trying the identity step.
func demoSeed(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai demo seed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	portrait := fs.String("portrait", "testdata/astronaut.png", "PNG portrait for the specimen ID card's front")
	students := fs.Int("students", 30, "at least this many students on the demo roster")
	submitted := fs.Int("submitted", 0, "at least this many photos submitted for review (standardized from a public-domain portrait)")
	approved := fs.Int("approved", 0, "of them, at least this many approved (by the command line's review path)")
	photos := fs.String("photos", "", "comma-separated portraits to standardize for the submissions (default: the public-domain astronaut)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		d, err := app.SeedDemo(ctx, a)
		if err != nil {
			return fail(stderr, err)
		}
		var portraits [][]byte
		for _, p := range strings.Split(*photos, ",") {
			if p = strings.TrimSpace(p); p != "" {
				b, err := os.ReadFile(p)
				if err != nil {
					return fail(stderr, err)
				}
				portraits = append(portraits, b)
			}
		}
		subs, appr, err := app.SeedDemoActivity(ctx, a, d, *students, *submitted, *approved, portraits...)
		if err != nil {
			return fail(stderr, err)
		}
		if n, err := a.Store.RosterCount(ctx, d.CampaignID); err == nil {
			d.RosterRows = n
		}
		cards := filepath.Join(a.Config.DataDir, "demo")
		cardsNote := ""
		if img, err := readPNG(*portrait); err == nil {
			if err := app.WriteDemoCards(cards, img, d.Student); err != nil {
				return fail(stderr, err)
			}
			cardsNote = fmt.Sprintf("  ID card photos:   %s (specimens, no real document)\n", filepath.Join(cards, "idcard-{front,back}.jpg"))
		} else {
			cardsNote = fmt.Sprintf("  (no specimen ID card photos: %v)\n", err)
		}
		fmt.Fprintf(stdout, "Demo school %d, campaign %d (join code %s), %d students on the roster, %d photos submitted, %d approved.\n",
			d.SchoolID, d.CampaignID, d.JoinCode, d.RosterRows, subs, appr)
		fmt.Fprintf(stdout, "Sign in as a demo student:\n  phone:            any mainland mobile, e.g. %s (the SMS code is printed in the server log)\n", d.Student.Phone)
		fmt.Fprintf(stdout, "  name:             %s\n  ID number:        %s (fictitious)\n%s", d.Student.Name, d.Student.DocNumber, cardsNote)
		fmt.Fprintf(stdout, "Sign in to the console (/console/) as a demo staff member: password %s and a TOTP code from an\n"+
			"authenticator app given the key below (or `oathtool --totp -b KEY`). Demo accounts only: never for real data.\n", app.DemoStaffPassword)
		for _, s := range app.DemoStaffAccounts() {
			fmt.Fprintf(stdout, "  %-16s %-8s TOTP key %s\n", s.Login, s.Role.Title(), s.TOTPSecret)
		}
		return exitOK
	})
}

func readPNG(path string) (*raster.Image, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, _, err := image.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return raster.FromImage(m), nil
}

func runRoster(args []string, stdout, stderr io.Writer) int {
	return subcommand("roster", map[string]func([]string, io.Writer, io.Writer) int{"import": rosterImport}, []string{"import"}, args, stdout, stderr)
}

// rosterImport loads a roster file into a campaign; with any bad row it
// imports nothing and lists the rows to fix (also as CSV with --errors).
func rosterImport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai roster import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	campaign := fs.Int64("campaign", 0, "campaign id")
	errOut := fs.String("errors", "", "write the rows to fix to this CSV file")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return flagErr(err)
	}
	if len(pos) != 1 || *campaign <= 0 {
		fmt.Fprintln(stderr, "usage: zhipai roster import FILE.xlsx|FILE.csv --campaign ID [--errors ERRORS.csv]")
		return exitUsage
	}
	data, err := os.ReadFile(pos[0])
	if err != nil {
		return fail(stderr, usageError{err})
	}
	rows, err := roster.ReadFile(pos[0], data)
	if err != nil {
		return fail(stderr, usageError{err})
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		rep, err := a.Roster.Import(ctx, *campaign, rows)
		if err != nil {
			return fail(stderr, publicOr(err))
		}
		if !rep.Imported {
			fmt.Fprintf(stdout, "%d rows read, %d to fix; nothing imported:\n", rep.Rows, len(rep.Errors))
			for _, e := range rep.Errors {
				fmt.Fprintf(stdout, "  row %d, %s: %s\n", e.Row, e.Column, e.Reason)
			}
			if *errOut != "" {
				if err := writeRosterErrors(*errOut, rep.Errors); err != nil {
					return fail(stderr, err)
				}
				fmt.Fprintf(stdout, "rows to fix written to %s\n", *errOut)
			}
			if rep.Rows == 0 {
				fmt.Fprintln(stdout, "  the file has no rows under its header")
			}
			return exitRefused
		}
		fmt.Fprintf(stdout, "imported %d rows into campaign %d: %d new, %d updated (batch %s)\n", rep.Rows, *campaign, rep.Created, rep.Updated, rep.Batch)
		return exitOK
	})
}

func writeRosterErrors(path string, errs []roster.RowError) error {
	var b bytes.Buffer
	b.WriteString("\xef\xbb\xbf") // Excel opens UTF-8 CSV with a BOM
	w := csv.NewWriter(&b)
	w.Write([]string{"行号", "列", "原因"})
	for _, e := range errs {
		w.Write(sheet.SafeRow([]string{strconv.Itoa(e.Row), e.Column, e.Reason}))
	}
	w.Flush()
	return os.WriteFile(path, b.Bytes(), 0o644)
}

// publicOr shows a service error by its message.
func publicOr(err error) error {
	if pe := domain.Public(err); pe.Code != domain.CodeInternal {
		return fmt.Errorf("%s (%s)", pe.Message, pe.Code)
	}
	return err
}

func runReview(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: zhipai review approve|reject|claim SUBMISSION [--reason R09[,R14]] [--note TEXT]")
		return exitUsage
	}
	to := map[string]domain.State{"approve": domain.StateApproved, "reject": domain.StateRejected, "claim": domain.StateInReview}[args[0]]
	if to == "" {
		fmt.Fprintf(stderr, "zhipai review: unknown action %q (want approve, reject or claim)\n", args[0])
		return exitUsage
	}
	fs := flag.NewFlagSet("zhipai review "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var reasons []string
	fs.Func("reason", "reason code(s), R01-R99 (repeat or separate with commas)", func(s string) error {
		reasons = append(reasons, strings.Split(s, ",")...)
		return nil
	})
	note := fs.String("note", "", "a note for the student")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return flagErr(err)
	}
	id, err := strconv.ParseInt(strings.TrimSpace(strings.Join(pos, "")), 10, 64)
	if len(pos) != 1 || err != nil {
		fmt.Fprintln(stderr, "zhipai review: give one submission id")
		return exitUsage
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		v, err := a.Review.Decide(ctx, id, to, reasons, *note, "reviewer:cli")
		if err != nil {
			return fail(stderr, publicOr(err))
		}
		fmt.Fprintf(stdout, "submission %d: %s", v.ID, v.State.Title())
		for _, code := range strings.Split(v.Reasons, ",") {
			if r := domain.Reason(code); r.Valid() {
				fmt.Fprintf(stdout, " %s(%s)", r, r.Title())
			}
		}
		if !v.Deadline.IsZero() {
			fmt.Fprintf(stdout, ", retake by %s", v.Deadline.Local().Format("2006-01-02 15:04"))
		}
		fmt.Fprintln(stdout)
		return exitOK
	})
}
