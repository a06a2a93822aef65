// flux-cel evaluates CEL resource filters with Flux's own CEL runtime (fluxcd/pkg/runtime/cel, the
// package notification-controller compiles `spec.resourceFilter` and `spec.resources[].filter`
// with), so the tests can compare this project's CEL against the real thing.
//
// Input: one JSON object a line, {"expression": "...", "claims": false, "variables": {"res": {...}, "req": {...}}}.
// Output: one JSON object a line: {"compileError": "..."}, {"evalError": "..."} or {"result": true|false}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"os"

	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/google/cel-go/common/types"
)

type request struct {
	Expression string         `json:"expression"`
	Claims     bool           `json:"claims"`
	Variables  map[string]any `json:"variables"`
}

type response struct {
	CompileError *string `json:"compileError,omitempty"`
	EvalError    *string `json:"evalError,omitempty"`
	Result       *bool   `json:"result,omitempty"`
}

// evaluate compiles as notification-controller's newFilterExpression does, then evaluates as its
// resource filter does.
func evaluate(req request) response {
	vars := []string{"res", "req"}
	if req.Claims {
		vars = append(vars, "claims")
	}
	expr, err := cel.NewExpression(req.Expression,
		cel.WithCompile(),
		cel.WithOutputType(types.BoolType),
		cel.WithStructVariables(vars...))
	if err != nil {
		msg := err.Error()
		return response{CompileError: &msg}
	}
	result, err := expr.EvaluateBoolean(context.Background(), req.Variables)
	if err != nil {
		msg := err.Error()
		return response{EvalError: &msg}
	}
	return response{Result: &result}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 1<<20), 64<<20)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var req request
		if err := json.Unmarshal(in.Bytes(), &req); err != nil {
			os.Stderr.WriteString("flux-cel: bad input line: " + err.Error() + "\n")
			os.Exit(2)
		}
		if err := out.Encode(evaluate(req)); err != nil {
			os.Exit(1)
		}
	}
	if err := in.Err(); err != nil {
		os.Stderr.WriteString("flux-cel: " + err.Error() + "\n")
		os.Exit(1)
	}
}
