package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"zhipai/internal/app"
	"zhipai/internal/audit"
	"zhipai/internal/domain"
	"zhipai/internal/staff"
)

func runUser(args []string, stdout, stderr io.Writer) int {
	return subcommand("user", map[string]func([]string, io.Writer, io.Writer) int{"create": userCreate}, []string{"create"}, args, stdout, stderr)
}

// userCreate makes a staff account from the command line: the bootstrap
// of the first platform admin, or any account an operator needs. It
// prints the one-time password (changed at first sign-in) and the TOTP
// enrolment as an otpauth:// URI and a QR code for the terminal.
func userCreate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	roles := make([]string, 0, 7)
	for _, r := range domain.Roles() {
		roles = append(roles, string(r))
	}
	role := fs.String("role", "", "one of "+strings.Join(roles, ", "))
	name := fs.String("name", "", "the person's name")
	login := fs.String("login", "", "the login (3-32 of a-z 0-9 . _ -)")
	school := fs.String("school", "", "the school's code, for the school's roles")
	college := fs.String("college", "", "a college admin's college")
	var classes []string
	fs.Func("class", "a counsellor's class (repeat)", func(s string) error { classes = append(classes, s); return nil })
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		in := staff.CreateInput{Login: *login, Name: *name, Role: domain.Role(*role), College: *college, Classes: classes}
		if *school != "" {
			sc, err := a.Store.SchoolByCode(ctx, *school)
			if err != nil {
				return fail(stderr, usageError{fmt.Errorf("no school with code %q", *school)})
			}
			in.SchoolID = sc.ID
		}
		acct, err := a.Staff.Create(ctx, nil, in, staff.Where{IP: "cli"})
		if err != nil {
			return fail(stderr, publicOr(err))
		}
		fmt.Fprintf(stdout, "created %s (%s, %s)\n", acct.User.Login, acct.User.Name, acct.User.Role.Title())
		fmt.Fprintf(stdout, "one-time password (change it at the first sign-in): %s\n", acct.Password)
		fmt.Fprintf(stdout, "TOTP: add to an authenticator app by scanning, or type the key %s\n%s\n", acct.Secret, acct.OTPURI)
		if qr, err := qrcode.New(acct.OTPURI, qrcode.Medium); err == nil {
			fmt.Fprint(stdout, qr.ToSmallString(false))
		}
		return exitOK
	})
}

func runAudit(args []string, stdout, stderr io.Writer) int {
	return subcommand("audit", map[string]func([]string, io.Writer, io.Writer) int{"verify": auditVerify}, []string{"verify"}, args, stdout, stderr)
}

// auditVerify walks every chain of the audit log; it exits 1 naming the
// first row that does not hold.
func auditVerify(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		n, err := audit.New(a.Store).Verify(ctx)
		var b *audit.Broken
		if errors.As(err, &b) {
			fmt.Fprintf(stdout, "BROKEN after %d rows: %v\n", n, b)
			return exitRefused
		}
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "audit log intact: %d rows\n", n)
		return exitOK
	})
}
