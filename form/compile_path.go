package form

import (
	"strings"
)

// refField resolves ${name} or a path to the field it names.
func (c *compiler) refField(a *ast) (*Field, error) {
	if a.kind == aRef {
		return c.lookup(a)
	}
	f, _, err := c.resolvePath(a)
	return f, err
}

// resolvePath resolves a location path to a field: /data/grp/x, ../x,
// current()/../x, ${x}/../y. It returns the predicate of the last step.
func (c *compiler) resolvePath(a *ast) (*Field, *ast, error) {
	steps := a.steps
	cur := ""
	switch {
	case a.base != nil && a.base.kind == aRef:
		f, err := c.lookup(a.base)
		if err != nil {
			return nil, nil, err
		}
		cur = f.Path
	case a.base != nil && a.base.kind == aCall && a.base.text == "current":
		if c.opts.self == nil {
			return nil, nil, c.errf(a, "current() has no meaning here")
		}
		cur = c.opts.self.Path
	case a.base != nil:
		return nil, nil, c.errf(a, "a path after %s() is not supported", a.base.text)
	case a.abs:
		if len(steps) < 2 {
			return nil, nil, c.errf(a, "a path from the root needs a field: /data/name")
		}
		steps = steps[1:] // the instance's root element, whatever its name
	default:
		if c.opts.self == nil {
			return nil, nil, c.errf(a, "a relative path has no meaning here: write ${name}")
		}
		cur = c.opts.self.Path
	}
	var pred *ast
	for i, st := range steps {
		if st.pred != nil && i != len(steps)-1 {
			return nil, nil, exprErr(c.src, st.pos, "a [] filter is only supported on the last step of a path")
		}
		pred = st.pred
		switch st.name {
		case ".":
		case "..":
			if cur == "" {
				return nil, nil, exprErr(c.src, st.pos, "'..' goes above the form's root")
			}
			if j := strings.LastIndexByte(cur, '/'); j >= 0 {
				cur = cur[:j]
			} else {
				cur = ""
			}
		default:
			if cur == "" {
				cur = st.name
			} else {
				cur += "/" + st.name
			}
		}
	}
	f := c.s.byPath[cur]
	if f == nil {
		return nil, nil, c.errf(a, "no field at path %s", cur)
	}
	if _, err := c.checkReadable(a, f); err != nil {
		return nil, nil, err
	}
	return f, pred, nil
}

// path compiles a location path used as a value.
func (c *compiler) path(a *ast) (*node, error) {
	if a.base != nil && a.base.kind == aCall && a.base.text == "instance" {
		return c.instance(a, false)
	}
	f, pred, err := c.resolvePath(a)
	if err != nil {
		return nil, err
	}
	if pred != nil {
		return nil, c.errf(a, "a [] filter can only be used inside count(), sum(), min() or max()")
	}
	return c.fieldNode(a, f)
}

// instance compiles instance('list')/root/item[filter]/column: the column
// of the first choice of the list that passes the filter (count: how many
// pass). Lists of the choices sheet are evaluated; an attached file's data
// is the device's (the expression's value is unknown to the server).
func (c *compiler) instance(a *ast, count bool) (*node, error) {
	b := a.base
	if len(b.args) != 1 || b.args[0].kind != aStr {
		return nil, c.errf(b, "instance() takes the name of a list or attached file, as a string")
	}
	name := b.args[0].text
	list := c.s.lists[name]
	if list == nil {
		list = c.s.extLists[name]
	}
	if list == nil {
		c.device("instance('"+name+"')", "")
		return &node{op: opDevice}, nil
	}
	n := &node{op: opInstance, list: list}
	if count {
		n.col = "#count"
	}
	for i, st := range a.steps {
		if st.pred != nil {
			saved := c.opts.choice
			savedPreds := c.preds
			c.opts.choice, c.preds = list, nil
			p, err := c.node(st.pred)
			c.opts.choice, c.preds = saved, savedPreds
			if err != nil {
				return nil, err
			}
			n.pred = p
		}
		if i == 2 && st.name != "." {
			n.col = st.name
		}
	}
	if n.col == "" {
		n.col = "name"
	}
	return n, nil
}

// device records that the expression uses something only the device knows.
func (c *compiler) device(what, dialect string) {
	if c.expr.device == "" {
		c.expr.device, c.expr.dialect = what, dialect
	}
}

// deviceFuncs are ODK functions whose value the server cannot reproduce:
// the time of the interview, random draws, data of attached files.
var deviceFuncs = map[string]bool{
	"now": true, "once": true, "random": true, "uuid": true, "pulldata": true, "randomize": true,
	"extract-signed": true, "search": true,
}

// dialectFuncs are functions of other dialects, accepted in calculations.
var dialectFuncs = map[string]string{
	"duration": "SurveyCTO's", "device-info": "SurveyCTO's", "plug-in-metadata": "SurveyCTO's",
	"phone-call-log": "SurveyCTO's", "phone-call-duration": "SurveyCTO's", "sms-log": "SurveyCTO's",
	"username": "SurveyCTO's", "hash": "SurveyCTO's", "linebreak": "SurveyCTO's",
}

// funcs2 are ODK functions evaluated in funcs2.go, with their argument counts.
var funcs2 = map[string][2]int{
	"substring-before": {2, 2}, "substring-after": {2, 2}, "translate": {3, 3}, "normalize-space": {0, 1},
	"boolean-from-string": {1, 1}, "log": {1, 1}, "log10": {1, 1}, "sin": {1, 1}, "cos": {1, 1},
	"tan": {1, 1}, "asin": {1, 1}, "acos": {1, 1}, "atan": {1, 1}, "atan2": {2, 2}, "sqrt": {1, 1},
	"exp": {1, 1}, "exp10": {1, 1}, "pi": {0, 0}, "decimal-date-time": {1, 1}, "decimal-time": {1, 1},
	"format-date-time": {2, 2}, "area": {1, 1}, "distance": {1, -1}, "geofence": {2, 2},
	"checklist": {2, -1}, "weighted-checklist": {3, -1}, "digest": {2, 3}, "base64-decode": {1, 1},
	"date-time": {1, 1}, "substring": {2, 3}, "string-length": {0, 1}, "intersects": {1, 1},
	"to-upper": {1, 1}, "to-lower": {1, 1}, "lower-case": {1, 1}, "upper-case": {1, 1}, "last": {0, 0},
	"jr:itext": {1, 1}, "sum": {1, 1},
}

// call2 compiles the functions beyond the core set.
func (c *compiler) call2(a *ast) (*node, error) {
	name := a.text
	switch {
	case name == "count-non-empty":
		if len(a.args) != 1 {
			return nil, c.errf(a, "count-non-empty() takes 1 argument(s), got %d", len(a.args))
		}
		return c.aggregate(a, opCount)
	case name == "indexed-repeat":
		return c.indexedRepeat(a)
	case name == "jr:choice-name":
		return c.choiceName(a)
	case name == "join":
		return c.join(a)
	case name == "current":
		if c.opts.self == nil {
			return nil, c.errf(a, "current() has no meaning here")
		}
		return c.fieldNode(a, c.opts.self)
	case name == "instance":
		return nil, c.errf(a, "instance('%s') must be followed by a path such as /root/item", argText(a))
	case deviceFuncs[name]:
		c.device(name+"()", "")
		for _, arg := range a.args {
			if _, err := c.node(arg); err != nil && name != "pulldata" && name != "search" {
				return nil, err
			}
		}
		return &node{op: opDevice}, nil
	case dialectFuncs[name] != "" || (strings.Contains(name, ":") && !strings.HasPrefix(name, "jr:")):
		d := dialectFuncs[name]
		if d == "" {
			d = "a function of another dialect (" + name[:strings.IndexByte(name, ':')] + ")"
		} else {
			d = d + " " + name + "()"
		}
		c.device(name+"()", d)
		return &node{op: opDevice}, nil
	}
	ar, ok := funcs2[name]
	if !ok {
		if c.s.sheets {
			// pyxform does not check function names; a device will
			// evaluate it, the server cannot.
			c.device(name+"()", "an unknown function "+name+"()")
			return &node{op: opDevice}, nil
		}
		return nil, c.errf(a, "unknown function %s()", name)
	}
	if len(a.args) < ar[0] || (ar[1] >= 0 && len(a.args) > ar[1]) {
		return nil, c.errf(a, "%s() takes %d to %d argument(s), got %d", name, ar[0], ar[1], len(a.args))
	}
	if name == "last" {
		return nil, c.errf(a, "last() is not supported")
	}
	n := &node{op: opX, col: name, args: make([]*node, len(a.args))}
	for i, arg := range a.args {
		x, err := c.node(arg)
		if err != nil {
			return nil, err
		}
		n.args[i] = x
	}
	return n, nil
}

func argText(a *ast) string {
	if len(a.args) > 0 {
		return a.args[0].text
	}
	return ""
}

// indexedRepeat compiles indexed-repeat(${field}, ${repeat}, index): the
// field's value in row index (1-based) of the repeat.
func (c *compiler) indexedRepeat(a *ast) (*node, error) {
	if len(a.args) < 3 || len(a.args)%2 == 0 {
		return nil, c.errf(a, "indexed-repeat() takes a field, then pairs of repeat and index")
	}
	f, err := c.refField(a.args[0])
	if err != nil {
		return nil, err
	}
	rep, err := c.refField(a.args[1])
	if err != nil {
		return nil, err
	}
	if rep.kind != kRepeat {
		return nil, c.errf(a.args[1], "%s is not a repeat", rep.Name)
	}
	if f.repeat != rep {
		return nil, c.errf(a.args[0], "%s is not a field of repeat %s", f.Name, rep.Name)
	}
	idx, err := c.node(a.args[2])
	if err != nil {
		return nil, err
	}
	c.ref(f)
	n := c.over(&node{op: opIndexed, f: f, rep: rep, args: []*node{idx}})
	return n, nil
}

// choiceName compiles jr:choice-name(value, '${field}'): the label of the
// choice named value in the field's list.
func (c *compiler) choiceName(a *ast) (*node, error) {
	if len(a.args) != 2 {
		return nil, c.errf(a, "jr:choice-name() takes 2 argument(s), got %d", len(a.args))
	}
	v, err := c.node(a.args[0])
	if err != nil {
		return nil, err
	}
	ref := a.args[1]
	var f *Field
	if ref.kind == aStr {
		t := strings.TrimSpace(ref.text)
		if strings.HasPrefix(t, "${") && strings.HasSuffix(t, "}") {
			f, err = c.lookup(&ast{kind: aRef, pos: ref.pos, text: t[2 : len(t)-1]})
		} else if p, perr := parseExpr(t); perr == nil && p.kind == aPath {
			f, _, err = c.resolvePath(p)
		}
	} else {
		f, err = c.refField(ref)
	}
	if err != nil {
		return nil, err
	}
	if f == nil || f.list == nil {
		if f != nil && f.External != "" {
			c.device("jr:choice-name() of "+f.Name, "")
			return &node{op: opDevice}, nil
		}
		return nil, c.errf(ref, "jr:choice-name() needs a select field as its second argument, such as '${field}'")
	}
	return &node{op: opChoiceName, list: f.list, args: []*node{v}}, nil
}

// join compiles join(separator, nodeset).
func (c *compiler) join(a *ast) (*node, error) {
	if len(a.args) < 2 {
		return nil, c.errf(a, "join() takes a separator and values")
	}
	sep, err := c.node(a.args[0])
	if err != nil {
		return nil, err
	}
	if len(a.args) == 2 && (a.args[1].kind == aRef || a.args[1].kind == aPath) {
		if f, err := c.refField(a.args[1]); err == nil && f.repeat != nil {
			if _, ok := levelsUp(c.opts.scope, f.repeat); !ok || f.repeat != c.opts.scope {
				c.ref(f)
				n := c.over(&node{op: opX, col: "join", f: f, rep: f.repeat, args: []*node{sep}})
				return n, nil
			}
		}
	}
	n := &node{op: opConcat, args: nil}
	for i, arg := range a.args[1:] {
		x, err := c.node(arg)
		if err != nil {
			return nil, err
		}
		if i > 0 {
			n.args = append(n.args, sep)
		}
		n.args = append(n.args, x)
	}
	return n, nil
}
