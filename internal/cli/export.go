package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"zhipai/internal/app"
	"zhipai/internal/domain"
	"zhipai/internal/manage"
	"zhipai/internal/staff"
)

// runExport writes a campaign's approved photos as a ZIP (what the
// console's export job builds), audited as the command line's.
func runExport(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("zhipai export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	campaign := fs.Int64("campaign", 0, "campaign id (required)")
	college := fs.String("college", "", "only this college")
	class := fs.String("class", "", "only this class")
	name := fs.String("name", "{学号}.jpg", "file-name template: {身份证号} {学号} {考生号} {报名号} {姓名} {学院} {专业} {班级} {学校标识码}")
	folders := fs.Bool("folders", false, "put the photos in 学院/专业/班级 folders")
	since := fs.Bool("since-last", false, "only photos not in an earlier export")
	out := fs.String("o", "", "the ZIP file to write (required)")
	var rends []string
	fs.Func("rendition", "a spec to export each photo in: campaign (its own) or a built-in spec (idcard, xueji-blue, ...); repeat for several, the first at the root, the rest in folders named after them", func(v string) error {
		for _, r := range strings.Split(v, ",") {
			if r = strings.TrimSpace(r); r != "" {
				rends = append(rends, r)
			}
		}
		return nil
	})
	passwordFile := fs.String("password-file", "", "encrypt the ZIP (AES-256) with the password in this file (or ZHIPAI_EXPORT_PASSWORD)")
	if _, err := parseArgs(fs, args); err != nil {
		return flagErr(err)
	}
	if *campaign == 0 || *out == "" {
		fmt.Fprintln(stderr, "usage: zhipai export --campaign ID [--college C] [--class K] [--name '{学号}.jpg'] [--folders] [--since-last] [--rendition idcard] [--password-file F] -o FILE.zip")
		return exitUsage
	}
	password := os.Getenv("ZHIPAI_EXPORT_PASSWORD")
	if *passwordFile != "" {
		b, err := os.ReadFile(*passwordFile)
		if err != nil {
			return fail(stderr, err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	return withApp(stderr, func(ctx context.Context, a *app.App) int {
		c, err := a.Store.Campaign(ctx, *campaign)
		if err != nil {
			return fail(stderr, fmt.Errorf("campaign %d: %w", *campaign, err))
		}
		// The command line acts as the platform's operator, for this
		// campaign's school.
		who := staff.Staff{User: domain.StaffUser{Login: "cli", Role: domain.RolePlatformAdmin}, Scope: domain.Scope{Vendor: true, SupportSchools: []int64{c.SchoolID}}}
		f, err := os.OpenFile(*out+".part", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
		if err != nil {
			return fail(stderr, err)
		}
		res, err := a.Manage.WriteExport(ctx, who, manage.ExportParams{CampaignID: c.ID, College: *college, Class: *class, Name: *name, Folders: *folders, SinceLast: *since,
			Renditions: rends, Password: password},
			f, staff.Where{IP: "cli"})
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(*out + ".part")
			return fail(stderr, publicOr(err))
		}
		if err := os.Rename(*out+".part", *out); err != nil {
			return fail(stderr, err)
		}
		if password != "" {
			fmt.Fprintf(stdout, "%s: %d photos with 索引.xlsx and SHA256SUMS, encrypted with AES-256: open with 7-Zip (7z x FILE.zip), then sha256sum -c SHA256SUMS\n", *out, res.Files)
		} else {
			fmt.Fprintf(stdout, "%s: %d photos with the index file 索引.xlsx and SHA256SUMS; check with: unzip, then sha256sum -c SHA256SUMS\n", *out, res.Files)
		}
		for _, s := range res.Skipped {
			fmt.Fprintf(stdout, "  skipped: %s\n", s)
		}
		return exitOK
	})
}
