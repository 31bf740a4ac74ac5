// Package idnumber validates and normalises the identity document numbers
// students enter (requirements ID-1 to ID-5 and C.1): the resident identity
// card (GB 11643, 18 digits with a MOD 11-2 check character, and the
// legacy 15 digits), residence permits for Hong Kong, Macao and Taiwan
// residents, the mainland travel permits, the foreigner's permanent
// residence card (2017 and 2023 formats) and passports. Each number gets a
// canonical key for matching against the roster.
package idnumber

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// Type is a kind of identity document.
type Type string

// Document types (requirements ID-1).
const (
	ResidentID       Type = "resident_id"       // 居民身份证
	HKMOResidence    Type = "hkmo_residence"    // 港澳居民居住证
	TWResidence      Type = "tw_residence"      // 台湾居民居住证
	HKMOPermit       Type = "hkmo_permit"       // 港澳居民来往内地通行证
	TWPermit         Type = "tw_permit"         // 台湾居民来往大陆通行证
	ForeignPermanent Type = "foreign_permanent" // 外国人永久居留身份证
	ChinesePassport  Type = "cn_passport"       // 中国护照
	ForeignPassport  Type = "foreign_passport"  // 外国护照
)

var titles = map[Type]string{
	ResidentID:       "居民身份证",
	HKMOResidence:    "港澳居民居住证",
	TWResidence:      "台湾居民居住证",
	HKMOPermit:       "港澳居民来往内地通行证",
	TWPermit:         "台湾居民来往大陆通行证",
	ForeignPermanent: "外国人永久居留身份证",
	ChinesePassport:  "中华人民共和国护照",
	ForeignPassport:  "外国护照",
}

// Title is the document's Chinese name.
func (t Type) Title() string { return titles[t] }

// Types lists every document type in display order.
func Types() []Type {
	return []Type{ResidentID, HKMOResidence, TWResidence, HKMOPermit, TWPermit, ForeignPermanent, ChinesePassport, ForeignPassport}
}

// ParseType accepts a type's code or its Chinese name.
func ParseType(s string) (Type, bool) {
	s = strings.TrimSpace(s)
	for _, t := range Types() {
		if string(t) == s || titles[t] == s {
			return t, true
		}
	}
	switch s {
	case "身份证":
		return ResidentID, true
	case "回乡证":
		return HKMOPermit, true
	case "台胞证":
		return TWPermit, true
	case "永居证", "外国人永久居留证":
		return ForeignPermanent, true
	case "护照":
		return ChinesePassport, true
	}
	return "", false
}

// Errors; each says what to fix.
var (
	ErrFormat     = errors.New("证件号码格式不正确，请核对后重新输入")
	ErrCheckDigit = errors.New("身份证号码校验位不正确，请核对最后一位（X 请填大写）")
	ErrBirthDate  = errors.New("身份证号码中的出生日期不正确，请核对")
	ErrRegion     = errors.New("身份证号码的地区码不正确，请核对前两位")
	ErrType       = errors.New("不支持的证件类型")
)

// Number is a validated document number.
type Number struct {
	Type Type
	// Value is the number as normalised (half-width, upper case, no
	// spaces); for a 15-digit resident ID, its 18-digit form.
	Value string
	// Legacy15 holds the 15-digit original when one was entered.
	Legacy15 string
	// Key is the canonical matching key (the lifelong part of permits
	// that count re-issues).
	Key string
	// Birth and Male come from resident ID numbers (and the 2023
	// permanent residence card); zero otherwise.
	Birth time.Time
	Male  bool
	// Warning is set for numbers accepted in a legacy form.
	Warning string
}

// Normalise trims, converts full-width characters to half-width, drops
// inner spaces and upper-cases (requirements ID-2).
func Normalise(s string) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '\u3000' || unicode.IsSpace(r) || r == '-':
			continue
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

var (
	re18        = regexp.MustCompile(`^\d{17}[\dX]$`)
	re15        = regexp.MustCompile(`^\d{15}$`)
	reHKMO      = regexp.MustCompile(`^[HM]\d{8}(\d{2})?$`)
	reTW        = regexp.MustCompile(`^\d{8}$`)
	reTWLegacy  = regexp.MustCompile(`^\d{10}(\([A-Z0-9]\))?$`)
	reFP2017    = regexp.MustCompile(`^[A-Z]{3}\d{12}$`)
	reCNPass    = regexp.MustCompile(`^(E\d{8}|E[A-F]\d{7}|[DSP]E?\d{7,8})$`)
	reForeignPP = regexp.MustCompile(`^[A-Z0-9]{5,17}$`)
)

// Parse validates a number of the given type.
func Parse(t Type, raw string) (Number, error) {
	s := Normalise(raw)
	n := Number{Type: t, Value: s, Key: s}
	switch t {
	case ResidentID:
		if re15.MatchString(s) {
			up, err := upgrade15(s)
			if err != nil {
				return n, err
			}
			n.Legacy15, n.Warning = s, "15 位旧身份证号码，已转换为 18 位"
			s = up
		}
		if err := check18(s, citizenRegion); err != nil {
			return n, err
		}
		n.Value, n.Key = s, s
	case HKMOResidence, TWResidence:
		want := map[Type][]string{HKMOResidence: {"81", "82"}, TWResidence: {"83"}}[t]
		if err := check18(s, func(p string) bool { return contains(want, p) }); err != nil {
			return n, err
		}
	case ForeignPermanent:
		switch {
		case reFP2017.MatchString(s):
			n.Warning = "2017 版永居证号码"
		case len(s) == 18 && s[0] == '9':
			if err := check18(s, func(string) bool { return true }); err != nil {
				return n, err
			}
		default:
			return n, ErrFormat
		}
	case HKMOPermit:
		if !reHKMO.MatchString(s) {
			return n, ErrFormat
		}
		n.Key = s[:9] // the last two digits count re-issues
	case TWPermit:
		switch {
		case reTW.MatchString(s):
		case reTWLegacy.MatchString(s):
			n.Key, n.Warning = s[:8], "旧版台胞证号码"
		default:
			return n, ErrFormat
		}
	case ChinesePassport:
		if !reCNPass.MatchString(s) {
			return n, ErrFormat
		}
	case ForeignPassport:
		if !reForeignPP.MatchString(s) {
			return n, ErrFormat
		}
	default:
		return n, ErrType
	}
	if re18.MatchString(n.Value) && (t == ResidentID || t == HKMOResidence || t == TWResidence || t == ForeignPermanent) {
		// GB 11643 layout: birth date at 7-14, odd 17th digit for men.
		n.Birth, _ = time.Parse("20060102", n.Value[6:14])
		n.Male = (n.Value[16]-'0')%2 == 1
	}
	return n, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// citizenRegion accepts the first two digits of a mainland citizen's
// number (provinces 11-15, 21-23, 31-37, 41-46, 50-54, 61-65). Address codes
// retired from GB/T 2260 stay valid: numbers are lifelong.
func citizenRegion(p string) bool {
	for _, r := range [][2]string{{"11", "15"}, {"21", "23"}, {"31", "37"}, {"41", "46"}, {"50", "54"}, {"61", "65"}} {
		if p >= r[0] && p <= r[1] {
			return true
		}
	}
	return false
}

var weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// CheckChar computes the MOD 11-2 check character of 17 digits.
func CheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

func check18(s string, region func(string) bool) error {
	if !re18.MatchString(s) {
		return ErrFormat
	}
	if !region(s[:2]) {
		return ErrRegion
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1800 || birth.After(time.Now()) { // GB 11643's own example is born in 1880
		return ErrBirthDate
	}
	if CheckChar(s[:17]) != s[17] {
		return ErrCheckDigit
	}
	return nil
}

// upgrade15 converts a 15-digit number (YYMMDD, 20th century) to 18 digits
// by inserting "19" after the address code and adding the check character
// (requirements ID-4).
func upgrade15(s string) (string, error) {
	if _, err := time.Parse("060102", s[6:12]); err != nil {
		return "", ErrBirthDate
	}
	first17 := s[:6] + "19" + s[6:]
	return first17 + string(CheckChar(first17)), nil
}

// Mask shows a number as screens and exports must (requirements PS-5):
// the first three and last four characters, the rest starred, e.g.
// 110***********002X.
func Mask(s string) string {
	r := []rune(s)
	if len(r) <= 7 {
		if len(r) <= 2 {
			return strings.Repeat("*", len(r))
		}
		return string(r[0]) + strings.Repeat("*", len(r)-2) + string(r[len(r)-1])
	}
	return string(r[:3]) + strings.Repeat("*", len(r)-7) + string(r[len(r)-4:])
}

// NormaliseName trims and collapses whitespace, turns full-width letters
// and spaces half-width, and unifies the middle dots used in minority and
// transliterated names (requirements ID-6). It never "corrects" a name.
func NormaliseName(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.TrimSpace(s) {
		switch {
		case r == '\u3000' || unicode.IsSpace(r):
			space = true
			continue
		case isNameDot(r):
			r = '·'
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// isNameDot reports the dots students type for the middle dot of a
// minority or transliterated name: the ASCII full stop, the bullet, the
// katakana middle dots (full and half width), the hyphenation point, the
// full-width full stop, the Greek ano teleia and the bullet operator.
func isNameDot(r rune) bool {
	switch r {
	case '.', '\u00b7', '\u0387', '\u2022', '\u2027', '\u2219', '\u22c5', '\u30fb', '\uff0e', '\uff65':
		return true
	}
	return false
}

// ValidName reports whether a name is plausible: 1-50 characters of
// letters (any script, including the CJK extension blocks), spaces and
// middle dots.
func ValidName(s string) error {
	n := 0
	for _, r := range s {
		n++
		if !(unicode.IsLetter(r) || r == ' ' || r == '·' || unicode.Is(unicode.Mn, r)) {
			if unicode.IsPunct(r) || unicode.IsSymbol(r) {
				return fmt.Errorf("姓名中含有不允许的符号“%c”。少数民族姓名的间隔号请输入“·”（也可输入“.”），其他符号请删除，按证件上的姓名填写。", r)
			}
			return fmt.Errorf("姓名中含有不允许的字符“%c”，请按证件上的姓名填写。", r)
		}
	}
	if n == 0 || n > 50 {
		return errors.New("请填写证件上的姓名，最多 50 个字。")
	}
	return nil
}
