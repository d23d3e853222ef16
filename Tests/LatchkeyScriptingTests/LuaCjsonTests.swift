// cjson.encode/decode against lua-cjson 2.1's default behaviour as Redis 7.0 bundles it
// (outputs and error texts taken from a real redis-server 7.0).
import LatchkeyCore
import LatchkeyScripting
import Testing

@Suite("Lua cjson library") struct LuaCjsonTests {
    let h = Harness()

    @Test("cjson.encode - arrays, objects, strings and numbers as lua-cjson writes them") func encode() {
        #expect(h.eval("return cjson.encode({1,2,3})") == bulk("[1,2,3]"))
        #expect(h.eval("return cjson.encode({a=1})") == bulk("{\"a\":1}"))
        #expect(h.eval("return cjson.encode({})") == bulk("{}"))
        #expect(h.eval("return cjson.encode({[1]=1,[3]=3})") == bulk("[1,null,3]"))
        #expect(h.eval("return cjson.encode({[2]=1})") == bulk("[null,1]"))
        #expect(h.eval("return cjson.encode({[1.5]=1})") == bulk("{\"1.5\":1}"))
        #expect(h.eval("return cjson.encode('a/b\"c\\n\\0x')") == bulk("\"a\\/b\\\"c\\n\\u0000x\""))
        #expect(h.eval("return cjson.encode(0.1)") == bulk("0.1"))
        #expect(h.eval("return cjson.encode(2^53)") == bulk("9.007199254741e+15"))
        #expect(h.eval("return cjson.encode({a={b={1,{c=false}}}})") == bulk("{\"a\":{\"b\":[1,{\"c\":false}]}}"))
        #expect(h.eval("return cjson.encode(cjson.null)") == bulk("null"))
    }

    @Test("cjson.encode - refusals carry lua-cjson's texts and the script position") func encodeErrors() {
        let a = "return cjson.encode({[1]=1,[20]=3})"
        #expect(
            h.error(a)
                == "ERR user_script:1: Cannot serialise table: excessively sparse array script: \(sha(a)), on @user_script:1."
        )
        let b = "return cjson.encode(1/0)"
        #expect(
            h.error(b)
                == "ERR user_script:1: Cannot serialise number: must not be NaN or Inf script: \(sha(b)), on @user_script:1."
        )
        let c = "return cjson.encode(function() end)"
        #expect(
            h.error(c)
                == "ERR user_script:1: Cannot serialise function: type not supported script: \(sha(c)), on @user_script:1."
        )
        let d = "local t = {} t[1] = t return cjson.encode(t)"
        #expect(
            h.error(d)
                == "ERR user_script:1: Cannot serialise, excessive nesting (1001) script: \(sha(d)), on @user_script:1."
        )
    }

    @Test("cjson.decode - values, null, escapes and round trips") func decode() {
        #expect(h.eval("return cjson.decode('[1,2,3]')[2]") == .integer(2))
        #expect(h.eval("return cjson.decode('{\"a\":[1,null,true]}').a[3]") == .integer(1))
        #expect(h.eval("return type(cjson.decode('null'))") == bulk("userdata"))
        #expect(h.eval("return cjson.decode('\"\\\\u00e9\\\\/\"')") == .bulk([0xC3, 0xA9, 0x2F]))
        #expect(h.eval("return cjson.decode('\"\\\\ud83d\\\\ude00\"')") == .bulk([0xF0, 0x9F, 0x98, 0x80]))
        #expect(h.eval("return cjson.decode('1.5e3')") == .integer(1500))
        #expect(
            h.eval("return cjson.encode(cjson.decode('{\"k\":[1,2.5,\"x\",true,false,null]}'))")
                == bulk("{\"k\":[1,2.5,\"x\",true,false,null]}"))
    }

    @Test("cjson.decode - errors name the expected token and the character") func decodeErrors() {
        #expect(
            h.eval("return {pcall(cjson.decode, '[1,')}")
                == .array([.null, bulk("Expected value but found T_END at character 4")]))
        #expect(
            h.eval("return {pcall(cjson.decode, '[1] x')}")
                == .array([.null, bulk("Expected the end but found invalid token at character 5")]))
        #expect(
            h.eval("return {pcall(cjson.decode, '{1:2}')}")
                == .array([.null, bulk("Expected object key string but found T_NUMBER at character 2")]))
        #expect(
            h.eval("return {pcall(cjson.decode, '\"abc')}")
                == .array([.null, bulk("Expected value but found unexpected end of string at character 5")]))
        #expect(
            h.eval("return {pcall(cjson.decode, '\"\\\\q\"')}")
                == .array([.null, bulk("Expected value but found invalid escape code at character 2")]))
    }

    @Test("cjson is read-only like the other libraries") func readonly() {
        let s = "cjson.x = 1"
        #expect(
            h.error(s) == "ERR user_script:1: Attempt to modify a readonly table script: \(sha(s)), on @user_script:1.")
    }
}
