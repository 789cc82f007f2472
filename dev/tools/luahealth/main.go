// Command luahealth runs Argo CD resource health checks (health.lua) against their test cases the way Argo CD does:
// gopher-lua (the Lua 5.1 implementation Argo CD embeds), the object as the global `obj`, only the base, table, string
// and math libraries, the script's returned table read for `status` and `message`. The layout is Argo CD's
// resource_customizations: <group>/<Kind>/health.lua, health_test.yaml (tests: [{inputPath, healthStatus: {status,
// message}}]) and testdata/. Usage: luahealth <resource_customizations dir>; exits 1 when a case fails.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

type healthTest struct {
	Tests []struct {
		InputPath    string `json:"inputPath"`
		HealthStatus struct {
			Status  string `json:"status"`
			Message string `json:"message"`
		} `json:"healthStatus"`
	} `json:"tests"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: luahealth <resource_customizations dir>")
		os.Exit(2)
	}
	scripts, err := filepath.Glob(filepath.Join(os.Args[1], "*", "*", "health.lua"))
	if err != nil || len(scripts) == 0 {
		fmt.Fprintln(os.Stderr, "luahealth: no */*/health.lua under", os.Args[1])
		os.Exit(2)
	}
	sort.Strings(scripts)
	failed, passed := 0, 0
	for _, script := range scripts {
		dir := filepath.Dir(script)
		var ht healthTest
		raw, err := os.ReadFile(filepath.Join(dir, "health_test.yaml"))
		if err == nil {
			err = yaml.Unmarshal(raw, &ht)
		}
		if err != nil || len(ht.Tests) == 0 {
			fmt.Printf("FAIL %s: no test cases in health_test.yaml (%v)\n", dir, err)
			failed++
			continue
		}
		code, err := os.ReadFile(script)
		if err != nil {
			fmt.Printf("FAIL %s: %v\n", script, err)
			failed++
			continue
		}
		for _, t := range ht.Tests {
			status, message, err := evaluate(string(code), filepath.Join(dir, t.InputPath))
			name := filepath.Join(filepath.Base(filepath.Dir(dir)), filepath.Base(dir), t.InputPath)
			switch {
			case err != nil:
				fmt.Printf("FAIL %s: %v\n", name, err)
				failed++
			case status != t.HealthStatus.Status || message != t.HealthStatus.Message:
				fmt.Printf("FAIL %s: got %s %q, want %s %q\n", name, status, message, t.HealthStatus.Status, t.HealthStatus.Message)
				failed++
			default:
				fmt.Printf("ok   %s: %s %q\n", name, status, message)
				passed++
			}
		}
	}
	fmt.Printf("%d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}

func evaluate(code, input string) (string, string, error) {
	raw, err := os.ReadFile(input)
	if err != nil {
		return "", "", err
	}
	var obj map[string]interface{}
	if err := yaml.Unmarshal(raw, &obj); err != nil {
		return "", "", fmt.Errorf("%s: %v", input, err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		fn   lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString}, {lua.MathLibName, lua.OpenMath}} {
		L.Push(L.NewFunction(lib.fn))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, obj))
	if err := L.DoString(code); err != nil {
		return "", "", err
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		return "", "", fmt.Errorf("health.lua returned %s, not a table", L.Get(-1).Type())
	}
	return lua.LVAsString(ret.RawGetString("status")), lua.LVAsString(ret.RawGetString("message")), nil
}

// toLua converts decoded YAML (maps, lists, strings, numbers, booleans, null) into Lua values, as Argo CD does.
func toLua(L *lua.LState, v interface{}) lua.LValue {
	switch x := v.(type) {
	case nil:
		return lua.LNil
	case bool:
		return lua.LBool(x)
	case float64:
		return lua.LNumber(x)
	case int64:
		return lua.LNumber(x)
	case string:
		return lua.LString(x)
	case []interface{}:
		t := L.NewTable()
		for _, e := range x {
			t.Append(toLua(L, e))
		}
		return t
	case map[string]interface{}:
		t := L.NewTable()
		for k, e := range x {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	default:
		return lua.LString(fmt.Sprint(x))
	}
}
