package form

import "time"

// Answers is one household's stored answers (as Expr.Eval reads them) for evaluating many
// expressions over them: the indicator facts evaluate a few dozen for the household and
// for each member row. Each repeat's rows are looked up by name once, not at every answer
// read in them. An Answers is for one goroutine; it never changes data.
type Answers struct {
	data map[string]any
	reps []repRows // the repeats looked up so far (a household has a few)
}

type repRows struct {
	rep  *Field
	rows any // data[rep.Name]
}

// NewAnswers wraps stored answers for EvalIn.
func NewAnswers(data map[string]any) *Answers { return &Answers{data: data} }

func (a *Answers) rowsOf(rep *Field) any {
	for i := range a.reps {
		if a.reps[i].rep == rep {
			return a.reps[i].rows
		}
	}
	v := a.data[rep.Name]
	a.reps = append(a.reps, repRows{rep, v})
	return v
}

// EvalIn is Eval over a's answers: the same value (TestEvalInIsEval).
func (e *Expr) EvalIn(a *Answers, row int) Value {
	var today Value
	if e.hasToday {
		today = DateValue(time.Now())
	}
	c := evalCtx{m: a.data, ans: a, row: row, today: today}
	return e.root.eval(&c)
}
