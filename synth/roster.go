package synth

import "strconv"

// person is a roster member before the questionnaire is filled in.
type person struct {
	rel, sex string
	age      int
	name     string
	foreign  bool // born abroad (decided with the roster: spouses more often)
}

// roster draws a household's members: exactly one head (rel 1) first, maybe a
// spouse, then children younger than the head, grandchildren, parents,
// siblings and others, ages 0–95.
func (r *rng) roster() []person {
	size, _ := strconv.Atoi(r.pick(householdSizes))
	family := familyNames[r.intn(len(familyNames))]
	name := func(sex string) string { return r.givenName(sex) + " " + family }
	other := func(p person) person {
		p.name = name(p.sex)
		p.foreign = r.chance(0.02)
		return p
	}

	// A few households are young people on their own (a 16–17-year-old head
	// with younger siblings): no adult 18+, so nobody answers l_resp.
	if size <= 3 && r.chance(0.03) {
		head := person{rel: "1", sex: sexOf(r.chance(0.6)), age: r.between(16, 17)}
		head.name = name(head.sex)
		out := []person{head}
		for len(out) < size {
			out = append(out, other(person{rel: "6", sex: sexOf(r.chance(0.5)), age: r.between(5, 17)}))
		}
		return out
	}

	head := person{rel: "1", sex: sexOf(r.chance(0.77))}
	head.age = int(clamp(float64(int(45+14*r.norm())), 19, 92))
	head.name = name(head.sex)
	out := []person{head}
	if size >= 2 && r.chance(0.85) {
		sp := person{rel: "2", sex: "2"}
		if head.sex == "2" {
			sp.sex = "1"
		}
		gap := r.between(0, 8)
		if head.sex == "1" {
			sp.age = head.age - gap
		} else {
			sp.age = head.age + gap
		}
		sp.age = int(clamp(float64(sp.age), 18, 95))
		sp.name = name(sp.sex)
		if sp.sex == "2" && r.chance(0.06) {
			// Marriages across the open border with India are common.
			sp.foreign = true
			sp.name = r.givenName(sp.sex) + " " + indianFamilyNames[r.intn(len(indianFamilyNames))]
		}
		out = append(out, sp)
	}
	parents := 0
	for len(out) < size {
		ws := weighted{{"sibling", 0.6}, {"other", 0.5}, {"unrelated", 0.15}}
		if head.age >= 19 {
			ws = append(ws, choice{"child", 6})
		}
		if head.age >= 45 {
			ws = append(ws, choice{"grandchild", 2.5})
		}
		if head.age <= 60 && parents < 2 {
			ws = append(ws, choice{"parent", 0.8})
		}
		p := person{sex: sexOf(r.chance(0.5))}
		switch r.pick(ws) {
		case "child":
			// At least 16 years younger than the head, so never older.
			p.rel, p.age = "3", r.between(0, min(head.age-16, 45))
		case "grandchild":
			p.rel, p.age = "4", r.between(0, min(head.age-36, 25))
		case "parent":
			p.rel, p.age = "5", r.between(head.age+17, min(95, head.age+40))
			parents++
		case "sibling":
			p.rel, p.age = "6", int(clamp(float64(head.age+r.between(-10, 10)), 0, 95))
		case "other":
			p.rel, p.age = "7", r.between(0, 80)
		default:
			p.rel, p.age = "8", r.between(15, 60)
		}
		out = append(out, other(p))
	}
	return out
}

func sexOf(male bool) string {
	if male {
		return "1"
	}
	return "2"
}
