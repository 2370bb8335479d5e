// Package configjson decodes a JSON-encoded config.App strictly, for
// every program that reads one: the app (cmd/configapp) and
// fleetctl (--config). One decoder, so both refuse the same documents.
package configjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/immutable-server/golden-fleet/config"
)

// Decode decodes data, a JSON-encoded config.App, strictly: one JSON
// object and nothing after it, each key once, only the fields config.App
// has (spelt as Go spells them: encoding/json would also take them in any
// case), every value of its field's type, null only where a field may be
// absent (a pointer, a list, a map). It returns every problem at once,
// each one line "<field path>: got <value>: want <what is allowed>", the
// path as config.Validate writes it (Environments[0].Fleet.MinCapacity).
func Decode(data []byte) (config.App, []string) {
	var app config.App
	d := &decoder{data: data}
	root, err := d.parse()
	if err != nil {
		return app, []string{err.Error()}
	}
	d.fill(rootPath, root, reflect.ValueOf(&app).Elem())
	return app, d.problems
}

// rootPath names the whole document in messages.
const rootPath = "App"

// maxDepth bounds the nesting of the document; config.App nests five deep.
const maxDepth = 32

// node is a parsed JSON value and where it starts in the document.
type node struct {
	kind  kind
	text  string   // a string's value, a number's or a literal's text
	keys  []string // an object's keys, in order
	vals  []*node  // an object's values or an array's elements
	keyAt []int    // where each key starts
	at    int      // where the value starts
}

type kind int

const (
	object kind = iota
	array
	str
	number
	boolean
	null
)

type decoder struct {
	data     []byte
	dec      *json.Decoder
	problems []string
}

// parse reads the document into a tree, refusing what is not exactly one
// JSON value.
func (d *decoder) parse() (*node, error) {
	if len(bytes.TrimSpace(d.data)) == 0 {
		return nil, fmt.Errorf("%s: got an empty document: want one JSON object (config.App)", rootPath)
	}
	if !utf8.Valid(d.data) {
		at := 0
		for at < len(d.data) {
			r, size := utf8.DecodeRune(d.data[at:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			at += size
		}
		return nil, fmt.Errorf("%s: got bytes that are not UTF-8 at %s: want UTF-8 text", rootPath, d.position(at))
	}
	d.dec = json.NewDecoder(bytes.NewReader(d.data))
	d.dec.UseNumber()
	root, err := d.value(0)
	if err != nil {
		var syntax *json.SyntaxError
		switch {
		case errors.As(err, &syntax):
			return nil, fmt.Errorf("%s: got invalid JSON at %s (%s): want one JSON object (config.App)", rootPath, d.position(int(syntax.Offset)-1), syntax)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return nil, fmt.Errorf("%s: got a document that ends at %s before its value is complete: want one JSON object (config.App)", rootPath, d.position(len(d.data)))
		}
		return nil, err
	}
	end := int(d.dec.InputOffset())
	if rest := bytes.TrimLeft(d.data[end:], " \t\r\n"); len(rest) > 0 {
		at := len(d.data) - len(rest)
		return nil, fmt.Errorf("%s: got more after the configuration, at %s: %s: want one JSON object and nothing after it",
			rootPath, d.position(at), config.QuoteShort(string(rest)))
	}
	return root, nil
}

// value reads one JSON value.
func (d *decoder) value(depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("%s: got values nested deeper than %d at %s: want the shape of config.App", rootPath, maxDepth, d.position(d.next()))
	}
	at := d.next()
	tok, err := d.dec.Token()
	if err != nil {
		return nil, err
	}
	n := &node{at: at}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = object
			for d.dec.More() {
				keyAt := d.next()
				k, err := d.dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := k.(string) // json.Decoder returns object keys as strings
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.keys, n.keyAt, n.vals = append(n.keys, key), append(n.keyAt, keyAt), append(n.vals, v)
			}
		case '[':
			n.kind = array
			for d.dec.More() {
				v, err := d.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
		}
		if _, err := d.dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
	case string:
		n.kind, n.text = str, t
	case json.Number:
		n.kind, n.text = number, t.String()
	case bool:
		n.kind, n.text = boolean, strconv.FormatBool(t)
	case nil:
		n.kind, n.text = null, "null"
	}
	return n, nil
}

// next is where the next token starts.
func (d *decoder) next() int {
	at := int(d.dec.InputOffset())
	for at < len(d.data) && strings.IndexByte(" \t\r\n,:", d.data[at]) >= 0 {
		at++
	}
	return at
}

// position says where byte offset at is, for a person.
func (d *decoder) position(at int) string {
	at = max(0, min(at, len(d.data)))
	before := d.data[:at]
	line := bytes.Count(before, []byte("\n")) + 1
	column := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Sprintf("line %d, column %d", line, column)
}

func (d *decoder) add(path, format string, args ...any) {
	d.problems = append(d.problems, path+": "+fmt.Sprintf(format, args...))
}

var durationType = reflect.TypeFor[time.Duration]()

// nodeKinds is the JSON value each kind of field this decoder fills takes.
var nodeKinds = map[reflect.Kind]kind{
	reflect.Pointer: object,
	reflect.Struct:  object,
	reflect.Slice:   array,
	reflect.Map:     object,
	reflect.String:  str,
	reflect.Int:     number,
	reflect.Int64:   number,
	reflect.Bool:    boolean,
}

// fill sets v from n, recording a problem for every mismatch and
// carrying on with the rest.
func (d *decoder) fill(path string, n *node, v reflect.Value) {
	t := v.Type()
	if n.kind == null {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			v.SetZero()
		default:
			d.add(path, "got null: want %s", describe(t))
		}
		return
	}
	if want, ok := nodeKinds[t.Kind()]; ok && n.kind != want {
		d.mismatch(path, n, t)
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		p := reflect.New(t.Elem())
		d.fill(path, n, p.Elem())
		v.Set(p)
	case reflect.Struct:
		d.fillStruct(path, n, v)
	case reflect.Slice:
		s := reflect.MakeSlice(t, len(n.vals), len(n.vals))
		for i, e := range n.vals {
			d.fill(fmt.Sprintf("%s[%d]", path, i), e, s.Index(i))
		}
		v.Set(s)
	case reflect.Map:
		d.fillMap(path, n, v)
	case reflect.String:
		v.SetString(n.text)
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(n.text, 10, 64)
		if err != nil || (t.Kind() == reflect.Int && (i < math.MinInt || i > math.MaxInt)) {
			d.mismatch(path, n, t)
			return
		}
		v.SetInt(i)
	case reflect.Bool:
		v.SetBool(n.text == "true")
	default:
		d.add(path, "got a value of a field this decoder cannot fill: want a field of string, number, list, map or object type")
	}
}

// fillStruct sets the fields of struct v from object n: every key must
// name an exported field, once.
func (d *decoder) fillStruct(path string, n *node, v reflect.Value) {
	t := v.Type()
	d.eachKey(path, n, func(i int, key string) {
		f, ok := t.FieldByName(key)
		if !ok || !f.IsExported() {
			d.add(path, "got unknown field %s at %s: want %s", config.QuoteShort(key), d.position(n.keyAt[i]), fieldsHint(t, key))
			return
		}
		d.fill(join(path, key), n.vals[i], v.FieldByIndex(f.Index))
	})
}

// fillMap sets map v from object n, each key once.
func (d *decoder) fillMap(path string, n *node, v reflect.Value) {
	t := v.Type()
	m := reflect.MakeMapWithSize(t, len(n.keys))
	d.eachKey(path, n, func(i int, key string) {
		e := reflect.New(t.Elem()).Elem()
		d.fill(fmt.Sprintf("%s[%q]", path, key), n.vals[i], e)
		m.SetMapIndex(reflect.ValueOf(key), e)
	})
	v.Set(m)
}

// eachKey calls f with each key of object n and its index, in order,
// recording a problem for a key that appears again instead.
func (d *decoder) eachKey(path string, n *node, f func(i int, key string)) {
	seen := map[string]int{}
	for i, key := range n.keys {
		if !d.repeated(path, n, i, seen) {
			f(i, key)
		}
	}
}

// repeated records a key that appears twice in an object.
func (d *decoder) repeated(path string, n *node, i int, seen map[string]int) bool {
	key := n.keys[i]
	if first, dup := seen[key]; dup {
		d.add(path, "got key %s again at %s (first at %s): want each key once", config.QuoteShort(key), d.position(n.keyAt[i]), d.position(n.keyAt[first]))
		return true
	}
	seen[key] = i
	return false
}

func (d *decoder) mismatch(path string, n *node, t reflect.Type) {
	d.add(path, "got %s at %s: want %s", gotValue(n), d.position(n.at), describe(t))
}

func join(path, field string) string {
	if path == rootPath {
		return field
	}
	return path + "." + field
}

// gotValue describes a JSON value received.
func gotValue(n *node) string {
	switch n.kind {
	case object:
		return "an object"
	case array:
		return fmt.Sprintf("an array of %d", len(n.vals))
	case str:
		return "the string " + config.QuoteShort(n.text)
	case number:
		text := n.text
		if r := []rune(text); len(r) > config.MaxShownLength {
			text = fmt.Sprintf("%s… (%d characters)", string(r[:config.MaxShownLength-16]), len(r))
		}
		return "the number " + text
	}
	return n.text
}

// describe says what a field of type t takes, in JSON terms.
func describe(t reflect.Type) string {
	switch {
	case t == durationType:
		return "a whole number of nanoseconds (a Go time.Duration: 300000000000 is 5 minutes)"
	case t.Kind() == reflect.Pointer:
		return "null or " + describe(t.Elem())
	case t.Kind() == reflect.Struct:
		return fmt.Sprintf("an object with the fields of config.%s (%s)", t.Name(), strings.Join(fieldNames(t), ", "))
	case t.Kind() == reflect.Slice:
		return "null or an array, each element " + describe(t.Elem())
	case t.Kind() == reflect.Map:
		return "null or an object, each value " + describe(t.Elem())
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Int:
		return fmt.Sprintf("a whole number (a Go int, %d to %d)", math.MinInt, math.MaxInt)
	case t.Kind() == reflect.Bool:
		return "true or false"
	}
	return t.String()
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); f.IsExported() {
			names = append(names, f.Name)
		}
	}
	return names
}

// fieldsHint says which fields t has, and which one key probably meant.
func fieldsHint(t reflect.Type, key string) string {
	names := fieldNames(t)
	for _, name := range names {
		if strings.EqualFold(name, key) {
			return fmt.Sprintf("%s (field names are case-sensitive)", name)
		}
	}
	return fmt.Sprintf("one of the fields of config.%s: %s", t.Name(), strings.Join(names, ", "))
}
