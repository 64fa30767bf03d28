(module
 (type $0 (func (param i32 i32 i32 i32)))
 (type $1 (func (param i32 i32 i32 i32 i32 i32 i32)))
 (type $2 (func (param i32 i32 i32 i32 i32 i32 i32 i32)))
 (type $3 (func (param i32 i32 i32 i32 i32 i32 f64 f64 i32)))
 (type $4 (func (param i32 i32 i32 i32 i32)))
 (memory $0 1)
 (export "momentsScalar" (func $moments/momentsScalar))
 (export "momentsSimd" (func $moments/momentsSimd))
 (export "momentsSimdBlock" (func $moments/momentsSimdBlock))
 (export "toPairs" (func $moments/toPairs))
 (export "fromPairs" (func $moments/fromPairs))
 (export "momentsPairs" (func $moments/momentsPairs))
 (export "momentsPairsScalar" (func $moments/momentsPairsScalar))
 (export "rankUnit" (func $moments/rankUnit))
 (export "mulScalar" (func $moments/mulScalar))
 (export "mulSimd" (func $moments/mulSimd))
 (export "divSimd" (func $moments/divSimd))
 (export "memory" (memory $0))
 (func $moments/momentsAsset (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32)
  (local $8 f64)
  (local $9 f64)
  (local $10 i32)
  (local $11 f64)
  (local $12 f64)
  (local $13 i32)
  (local $14 i32)
  (local $15 i32)
  (local $16 f64)
  (local $17 f64)
  (local $18 f64)
  (local $19 f64)
  (local $20 f64)
  (local $21 f64)
  (local $22 f64)
  (local $23 f64)
  (local $24 i32)
  (local $25 i32)
  (local $26 i32)
  (local $27 i32)
  (local $28 i32)
  (local $29 i32)
  local.get $6
  i32.eqz
  local.set $24
  local.get $5
  f64.convert_i32_s
  local.set $23
  f64.const nan:0x8000000000000
  local.set $12
  f64.const nan:0x8000000000000
  local.set $11
  local.get $7
  local.set $10
  loop $for-loop|0
   local.get $3
   local.get $15
   i32.gt_s
   if
    local.get $0
    local.get $10
    i32.const 3
    i32.shl
    i32.add
    f64.load
    local.tee $17
    local.get $17
    f64.ne
    if (result i32)
     i32.const 0
    else
     local.get $25
     i32.const 1
     i32.add
     i32.const 1
     local.get $15
     i32.const 0
     i32.gt_s
     local.get $12
     local.get $17
     f64.eq
     i32.and
     select
    end
    local.set $25
    local.get $17
    local.tee $12
    local.set $18
    local.get $24
    i32.eqz
    if
     local.get $1
     local.get $10
     i32.const 3
     i32.shl
     i32.add
     f64.load
     local.tee $18
     local.get $18
     f64.ne
     if (result i32)
      i32.const 0
     else
      local.get $26
      i32.const 1
      i32.add
      i32.const 1
      local.get $15
      i32.const 0
      i32.gt_s
      local.get $11
      local.get $18
      f64.eq
      i32.and
      select
     end
     local.set $26
     local.get $18
     local.set $11
    end
    local.get $27
    if
     local.get $24
     if
      local.get $17
      local.get $17
      f64.eq
      if
       local.get $19
       local.get $17
       local.get $9
       f64.sub
       local.tee $17
       f64.add
       local.set $19
       local.get $8
       local.get $17
       local.get $17
       f64.mul
       f64.add
       local.set $8
      else
       local.get $14
       i32.const 1
       i32.add
       local.set $14
      end
      local.get $5
      local.get $15
      i32.le_s
      if
       local.get $0
       local.get $10
       local.get $4
       local.get $5
       i32.mul
       i32.sub
       i32.const 3
       i32.shl
       i32.add
       f64.load
       local.tee $17
       local.get $17
       f64.eq
       if
        local.get $19
        local.get $17
        local.get $9
        f64.sub
        local.tee $17
        f64.sub
        local.set $19
        local.get $8
        local.get $17
        local.get $17
        f64.mul
        local.tee $17
        f64.sub
        local.tee $8
        f64.const 1e3
        f64.mul
        local.get $17
        f64.lt
        if
         f64.const 0
         local.set $19
         f64.const 0
         local.set $8
         local.get $15
         local.get $5
         i32.sub
         i32.const 1
         i32.add
         local.set $13
         loop $for-loop|4
          local.get $13
          local.get $15
          i32.le_s
          if
           local.get $0
           local.get $4
           local.get $13
           i32.mul
           local.get $7
           i32.add
           i32.const 3
           i32.shl
           i32.add
           f64.load
           local.tee $17
           local.get $17
           f64.eq
           if
            local.get $19
            local.get $17
            local.get $9
            f64.sub
            local.tee $17
            f64.add
            local.set $19
            local.get $8
            local.get $17
            local.get $17
            f64.mul
            f64.add
            local.set $8
           end
           local.get $13
           i32.const 1
           i32.add
           local.set $13
           br $for-loop|4
          end
         end
        end
       else
        local.get $14
        i32.const 1
        i32.sub
        local.set $14
       end
      end
     else
      local.get $18
      local.get $18
      f64.eq
      local.get $17
      local.get $17
      f64.eq
      i32.and
      if
       local.get $19
       local.get $17
       local.get $9
       f64.sub
       local.tee $17
       f64.add
       local.set $19
       local.get $20
       local.get $18
       local.get $16
       f64.sub
       local.tee $18
       f64.add
       local.set $20
       local.get $8
       local.get $17
       local.get $17
       f64.mul
       f64.add
       local.set $8
       local.get $21
       local.get $18
       local.get $18
       f64.mul
       f64.add
       local.set $21
       local.get $22
       local.get $17
       local.get $18
       f64.mul
       f64.add
       local.set $22
      else
       local.get $14
       i32.const 1
       i32.add
       local.set $14
      end
      local.get $5
      local.get $15
      i32.le_s
      if
       local.get $10
       local.get $4
       local.get $5
       i32.mul
       i32.sub
       i32.const 3
       i32.shl
       local.tee $13
       local.get $1
       i32.add
       f64.load
       local.tee $17
       local.get $17
       f64.eq
       local.get $0
       local.get $13
       i32.add
       f64.load
       local.tee $18
       local.get $18
       f64.eq
       i32.and
       if
        local.get $19
        local.get $18
        local.get $9
        f64.sub
        local.tee $18
        f64.sub
        local.set $19
        local.get $20
        local.get $17
        local.get $16
        f64.sub
        local.tee $17
        f64.sub
        local.set $20
        local.get $21
        local.get $17
        local.get $17
        f64.mul
        f64.sub
        local.set $21
        local.get $22
        local.get $18
        local.get $17
        f64.mul
        f64.sub
        local.set $22
        local.get $8
        local.get $18
        local.get $18
        f64.mul
        local.tee $18
        f64.sub
        local.tee $8
        f64.const 1e3
        f64.mul
        local.get $18
        f64.lt
        if (result i32)
         i32.const 1
        else
         local.get $17
         local.get $17
         f64.mul
         local.get $21
         f64.const 1e3
         f64.mul
         f64.gt
        end
        if
         f64.const 0
         local.set $19
         f64.const 0
         local.set $20
         f64.const 0
         local.set $8
         f64.const 0
         local.set $21
         f64.const 0
         local.set $22
         local.get $15
         local.get $5
         i32.sub
         i32.const 1
         i32.add
         local.set $13
         loop $for-loop|5
          local.get $13
          local.get $15
          i32.le_s
          if
           local.get $4
           local.get $13
           i32.mul
           local.get $7
           i32.add
           i32.const 3
           i32.shl
           local.tee $28
           local.get $1
           i32.add
           f64.load
           local.tee $17
           local.get $17
           f64.eq
           local.get $0
           local.get $28
           i32.add
           f64.load
           local.tee $18
           local.get $18
           f64.eq
           i32.and
           if
            local.get $19
            local.get $18
            local.get $9
            f64.sub
            local.tee $18
            f64.add
            local.set $19
            local.get $20
            local.get $17
            local.get $16
            f64.sub
            local.tee $17
            f64.add
            local.set $20
            local.get $21
            local.get $17
            local.get $17
            f64.mul
            f64.add
            local.set $21
            local.get $22
            local.get $18
            local.get $17
            f64.mul
            f64.add
            local.set $22
            local.get $8
            local.get $18
            local.get $18
            f64.mul
            f64.add
            local.set $8
           end
           local.get $13
           i32.const 1
           i32.add
           local.set $13
           br $for-loop|5
          end
         end
        end
       else
        local.get $14
        i32.const 1
        i32.sub
        local.set $14
       end
      end
     end
    else
     local.get $15
     local.get $5
     i32.sub
     i32.const 1
     i32.add
     local.tee $13
     i32.const 0
     local.get $13
     i32.const 0
     i32.gt_s
     select
     local.set $28
     f64.const nan:0x8000000000000
     local.set $9
     f64.const nan:0x8000000000000
     local.set $16
     local.get $15
     local.set $13
     local.get $10
     local.set $14
     loop $for-loop|1
      local.get $13
      local.get $28
      i32.ge_s
      if
       block $for-break1
        local.get $14
        i32.const 3
        i32.shl
        local.tee $29
        local.get $1
        i32.add
        f64.load
        local.tee $8
        local.get $8
        f64.eq
        local.get $0
        local.get $29
        i32.add
        f64.load
        local.tee $17
        local.get $17
        f64.eq
        i32.and
        if
         local.get $17
         local.set $9
         local.get $8
         local.set $16
         br $for-break1
        end
        local.get $13
        i32.const 1
        i32.sub
        local.set $13
        local.get $14
        local.get $4
        i32.sub
        local.set $14
        br $for-loop|1
       end
      end
     end
     local.get $9
     local.get $9
     f64.ne
     if
      f64.const 0
      local.set $16
      f64.const 0
      local.set $9
     end
     f64.const 0
     local.set $19
     f64.const 0
     local.set $20
     f64.const 0
     local.set $8
     f64.const 0
     local.set $21
     f64.const 0
     local.set $22
     i32.const 0
     local.set $14
     local.get $24
     if
      local.get $4
      local.get $28
      i32.mul
      local.get $7
      i32.add
      local.set $13
      loop $for-loop|2
       local.get $10
       local.get $13
       i32.ge_s
       if
        local.get $0
        local.get $13
        i32.const 3
        i32.shl
        i32.add
        f64.load
        local.tee $17
        local.get $17
        f64.eq
        if
         local.get $19
         local.get $17
         local.get $9
         f64.sub
         local.tee $17
         f64.add
         local.set $19
         local.get $8
         local.get $17
         local.get $17
         f64.mul
         f64.add
         local.set $8
        else
         local.get $14
         i32.const 1
         i32.add
         local.set $14
        end
        local.get $4
        local.get $13
        i32.add
        local.set $13
        br $for-loop|2
       end
      end
     else
      local.get $4
      local.get $28
      i32.mul
      local.get $7
      i32.add
      local.set $13
      loop $for-loop|3
       local.get $10
       local.get $13
       i32.ge_s
       if
        local.get $13
        i32.const 3
        i32.shl
        local.tee $28
        local.get $1
        i32.add
        f64.load
        local.tee $17
        local.get $17
        f64.eq
        local.get $0
        local.get $28
        i32.add
        f64.load
        local.tee $18
        local.get $18
        f64.eq
        i32.and
        if
         local.get $19
         local.get $18
         local.get $9
         f64.sub
         local.tee $18
         f64.add
         local.set $19
         local.get $20
         local.get $17
         local.get $16
         f64.sub
         local.tee $17
         f64.add
         local.set $20
         local.get $8
         local.get $18
         local.get $18
         f64.mul
         f64.add
         local.set $8
         local.get $21
         local.get $17
         local.get $17
         f64.mul
         f64.add
         local.set $21
         local.get $22
         local.get $18
         local.get $17
         f64.mul
         f64.add
         local.set $22
        else
         local.get $14
         i32.const 1
         i32.add
         local.set $14
        end
        local.get $4
        local.get $13
        i32.add
        local.set $13
        br $for-loop|3
       end
      end
     end
    end
    block $for-continue|0
     local.get $15
     local.get $5
     i32.const 1
     i32.sub
     i32.lt_s
     local.get $14
     i32.or
     if
      local.get $2
      local.get $10
      i32.const 3
      i32.shl
      i32.add
      f64.const nan:0x8000000000000
      f64.store
      br $for-continue|0
     end
     local.get $5
     local.get $25
     i32.le_s
     local.set $13
     local.get $5
     local.get $26
     i32.le_s
     local.set $28
     local.get $2
     local.get $10
     i32.const 3
     i32.shl
     i32.add
     local.get $6
     if (result f64)
      local.get $6
      i32.const 1
      i32.eq
      if (result f64)
       local.get $13
       local.get $28
       i32.or
       if (result f64)
        f64.const 0
       else
        local.get $22
        local.get $19
        local.get $20
        f64.mul
        local.get $23
        f64.div
        f64.sub
        local.get $23
        f64.const -1
        f64.add
        f64.div
       end
      else
       local.get $8
       local.get $19
       local.get $19
       f64.mul
       local.get $23
       f64.div
       f64.sub
       local.set $17
       local.get $21
       local.get $20
       local.get $20
       f64.mul
       local.get $23
       f64.div
       f64.sub
       local.set $18
       local.get $13
       local.get $28
       i32.or
       if (result i32)
        i32.const 0
       else
        local.get $18
        f64.const 0
        f64.gt
        local.get $17
        f64.const 0
        f64.gt
        i32.and
       end
       if (result f64)
        f64.const 1
        f64.const -1
        local.get $22
        local.get $19
        local.get $20
        f64.mul
        local.get $23
        f64.div
        f64.sub
        local.get $17
        local.get $18
        f64.mul
        f64.sqrt
        f64.div
        local.tee $17
        local.get $17
        f64.const -1
        f64.lt
        select
        local.get $17
        f64.const 1
        f64.gt
        select
       else
        f64.const nan:0x8000000000000
       end
      end
     else
      f64.const 0
      local.get $8
      local.get $19
      local.get $19
      f64.mul
      local.get $23
      f64.div
      f64.sub
      local.get $23
      f64.const -1
      f64.add
      f64.div
      local.tee $17
      f64.sqrt
      local.get $17
      f64.const 0
      f64.gt
      i32.eqz
      local.get $13
      i32.or
      select
     end
     local.tee $17
     f64.const nan:0x8000000000000
     local.get $17
     local.get $17
     f64.sub
     f64.const 0
     f64.eq
     select
     f64.store
    end
    local.get $15
    i32.const 1
    i32.add
    local.set $15
    local.get $4
    local.get $10
    i32.add
    local.set $10
    local.get $27
    i32.const 1
    i32.add
    local.tee $13
    i32.const 0
    local.get $5
    local.get $13
    i32.ne
    select
    local.set $27
    br $for-loop|0
   end
  end
 )
 (func $moments/guardLane (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 f64) (param $7 f64) (param $8 i32)
  (local $9 f64)
  (local $10 f64)
  (local $11 f64)
  (local $12 f64)
  (local $13 f64)
  (local $14 f64)
  (local $15 f64)
  local.get $8
  if
   local.get $3
   local.get $4
   i32.sub
   i32.const 1
   i32.add
   local.set $1
   loop $for-loop|0
    local.get $1
    local.get $3
    i32.le_s
    if
     local.get $0
     local.get $1
     local.get $2
     i32.mul
     local.get $5
     i32.add
     i32.const 3
     i32.shl
     i32.add
     f64.load
     local.tee $7
     local.get $7
     f64.eq
     if
      local.get $10
      local.get $7
      local.get $6
      f64.sub
      local.tee $7
      f64.add
      local.set $10
      local.get $9
      local.get $7
      local.get $7
      f64.mul
      f64.add
      local.set $9
     end
     local.get $1
     i32.const 1
     i32.add
     local.set $1
     br $for-loop|0
    end
   end
  else
   local.get $3
   local.get $4
   i32.sub
   i32.const 1
   i32.add
   local.set $4
   loop $for-loop|1
    local.get $3
    local.get $4
    i32.ge_s
    if
     local.get $2
     local.get $4
     i32.mul
     local.get $5
     i32.add
     i32.const 3
     i32.shl
     local.tee $8
     local.get $0
     i32.add
     f64.load
     local.set $14
     local.get $1
     local.get $8
     i32.add
     f64.load
     local.tee $15
     local.get $15
     f64.eq
     local.get $14
     local.get $14
     f64.eq
     i32.and
     if
      local.get $10
      local.get $14
      local.get $6
      f64.sub
      local.tee $14
      f64.add
      local.set $10
      local.get $11
      local.get $15
      local.get $7
      f64.sub
      local.tee $15
      f64.add
      local.set $11
      local.get $12
      local.get $15
      local.get $15
      f64.mul
      f64.add
      local.set $12
      local.get $13
      local.get $14
      local.get $15
      f64.mul
      f64.add
      local.set $13
      local.get $9
      local.get $14
      local.get $14
      f64.mul
      f64.add
      local.set $9
     end
     local.get $4
     i32.const 1
     i32.add
     local.set $4
     br $for-loop|1
    end
   end
  end
  i32.const 64
  local.get $10
  f64.store
  i32.const 72
  local.get $11
  f64.store
  i32.const 80
  local.get $9
  f64.store
  i32.const 88
  local.get $12
  f64.store
  i32.const 96
  local.get $13
  f64.store
 )
 (func $moments/momentsSimdFrom (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32)
  (local $8 i32)
  (local $9 v128)
  (local $10 v128)
  (local $11 v128)
  (local $12 i32)
  (local $13 i32)
  (local $14 i32)
  (local $15 v128)
  (local $16 v128)
  (local $17 v128)
  (local $18 v128)
  (local $19 v128)
  (local $20 v128)
  (local $21 v128)
  (local $22 v128)
  (local $23 v128)
  (local $24 v128)
  (local $25 v128)
  (local $26 i32)
  (local $27 v128)
  (local $28 v128)
  (local $29 i32)
  (local $30 i32)
  (local $31 v128)
  (local $32 f64)
  (local $33 i32)
  (local $34 v128)
  (local $35 v128)
  local.get $6
  i32.eqz
  local.set $26
  local.get $5
  f64.convert_i32_s
  local.tee $32
  f64x2.splat
  local.set $24
  local.get $32
  f64.const -1
  f64.add
  f64x2.splat
  local.set $31
  local.get $7
  local.set $8
  loop $for-loop|0
   local.get $8
   i32.const 1
   i32.add
   local.get $4
   i32.lt_s
   if
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $23
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $25
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $15
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $18
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $19
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $10
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $21
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $22
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $28
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    local.set $27
    v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
    local.set $11
    v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
    local.set $9
    i32.const 0
    local.set $29
    i32.const 0
    local.set $13
    local.get $8
    local.set $7
    loop $for-loop|1
     local.get $3
     local.get $13
     i32.gt_s
     if
      local.get $28
      v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
      f64x2.add
      v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
      local.get $7
      i32.const 3
      i32.shl
      local.tee $12
      local.get $0
      i32.add
      v128.load
      local.tee $16
      local.get $16
      f64x2.eq
      local.tee $20
      v128.and
      local.get $16
      local.get $11
      f64x2.eq
      v128.bitselect
      local.set $28
      local.get $16
      local.tee $11
      local.set $17
      local.get $26
      i32.eqz
      if
       local.get $27
       v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
       f64x2.add
       v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
       local.get $1
       local.get $12
       i32.add
       v128.load
       local.tee $17
       local.get $17
       f64x2.eq
       local.tee $34
       v128.and
       local.get $17
       local.get $9
       f64x2.eq
       v128.bitselect
       local.set $27
       local.get $20
       local.get $34
       v128.and
       local.set $20
       local.get $17
       local.set $9
      end
      local.get $29
      if
       local.get $15
       local.get $16
       local.get $23
       f64x2.sub
       local.get $20
       v128.and
       local.tee $16
       f64x2.add
       local.set $15
       local.get $19
       local.get $16
       local.get $16
       f64x2.mul
       f64x2.add
       local.set $19
       local.get $26
       i32.eqz
       if
        local.get $18
        local.get $17
        local.get $25
        f64x2.sub
        local.get $20
        v128.and
        local.tee $17
        f64x2.add
        local.set $18
        local.get $21
        local.get $16
        local.get $17
        f64x2.mul
        f64x2.add
        local.set $21
        local.get $10
        local.get $17
        local.get $17
        f64x2.mul
        f64x2.add
        local.set $10
       end
       local.get $22
       v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
       local.get $20
       v128.andnot
       f64x2.add
       local.set $22
       local.get $5
       local.get $13
       i32.le_s
       if
        local.get $7
        local.get $4
        local.get $5
        i32.mul
        i32.sub
        i32.const 3
        i32.shl
        local.tee $12
        local.get $0
        i32.add
        v128.load
        local.tee $17
        local.get $17
        f64x2.eq
        local.set $16
        local.get $17
        local.get $23
        f64x2.sub
        local.get $26
        i32.eqz
        if
         local.get $16
         local.get $1
         local.get $12
         i32.add
         v128.load
         local.tee $17
         local.get $17
         f64x2.eq
         v128.and
         local.set $16
        end
        local.get $16
        v128.and
        local.tee $20
        local.get $20
        f64x2.mul
        local.set $34
        local.get $15
        local.get $20
        f64x2.sub
        local.set $15
        local.get $34
        v128.const i32x4 0x00000000 0x408f4000 0x00000000 0x408f4000
        local.get $19
        local.get $34
        f64x2.sub
        local.tee $19
        f64x2.mul
        f64x2.gt
        local.set $34
        local.get $22
        v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
        local.get $16
        v128.andnot
        f64x2.sub
        local.set $22
        local.get $26
        if (result v128)
         local.get $34
        else
         local.get $17
         local.get $25
         f64x2.sub
         local.get $16
         v128.and
         local.tee $17
         local.get $17
         f64x2.mul
         local.set $35
         local.get $21
         local.get $20
         local.get $17
         f64x2.mul
         f64x2.sub
         local.set $21
         local.get $18
         local.get $17
         f64x2.sub
         local.set $18
         local.get $34
         local.get $35
         v128.const i32x4 0x00000000 0x408f4000 0x00000000 0x408f4000
         local.get $10
         local.get $35
         f64x2.sub
         local.tee $10
         f64x2.mul
         f64x2.gt
         v128.or
        end
        local.get $16
        v128.and
        local.tee $16
        v128.any_true
        if
         local.get $16
         i64x2.extract_lane 0
         i64.const 0
         i64.ne
         if
          local.get $0
          local.get $1
          local.get $4
          local.get $13
          local.get $5
          local.get $8
          local.get $23
          f64x2.extract_lane 0
          local.get $25
          f64x2.extract_lane 0
          local.get $26
          call $moments/guardLane
          local.get $18
          i32.const 72
          f64.load
          f64x2.replace_lane 0
          local.set $18
          local.get $19
          i32.const 80
          f64.load
          f64x2.replace_lane 0
          local.set $19
          local.get $10
          i32.const 88
          f64.load
          f64x2.replace_lane 0
          local.set $10
          local.get $21
          i32.const 96
          f64.load
          f64x2.replace_lane 0
          local.set $21
          local.get $15
          i32.const 64
          f64.load
          f64x2.replace_lane 0
          local.set $15
         end
         local.get $16
         i64x2.extract_lane 1
         i64.const 0
         i64.ne
         if (result v128)
          local.get $0
          local.get $1
          local.get $4
          local.get $13
          local.get $5
          local.get $8
          i32.const 1
          i32.add
          local.get $23
          f64x2.extract_lane 1
          local.get $25
          f64x2.extract_lane 1
          local.get $26
          call $moments/guardLane
          local.get $18
          i32.const 72
          f64.load
          f64x2.replace_lane 1
          local.set $18
          local.get $19
          i32.const 80
          f64.load
          f64x2.replace_lane 1
          local.set $19
          local.get $10
          i32.const 88
          f64.load
          f64x2.replace_lane 1
          local.set $10
          local.get $21
          i32.const 96
          f64.load
          f64x2.replace_lane 1
          local.set $21
          local.get $15
          i32.const 64
          f64.load
          f64x2.replace_lane 1
         else
          local.get $15
         end
         local.set $15
        end
       end
      else
       local.get $13
       local.get $5
       i32.sub
       i32.const 1
       i32.add
       local.tee $12
       i32.const 0
       local.get $12
       i32.const 0
       i32.gt_s
       select
       local.set $30
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $15
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $23
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $25
       local.get $13
       local.set $14
       local.get $7
       local.set $12
       loop $for-loop|2
        local.get $14
        local.get $30
        i32.ge_s
        if
         block $for-break2
          local.get $12
          i32.const 3
          i32.shl
          local.tee $33
          local.get $0
          i32.add
          v128.load
          local.tee $10
          local.get $23
          local.get $10
          local.get $10
          f64x2.eq
          local.get $1
          local.get $33
          i32.add
          v128.load
          local.tee $10
          local.get $10
          f64x2.eq
          v128.and
          local.tee $16
          local.get $15
          v128.andnot
          local.tee $17
          v128.bitselect
          local.set $23
          local.get $10
          local.get $25
          local.get $17
          v128.bitselect
          local.set $25
          local.get $15
          local.get $16
          v128.or
          local.tee $15
          i64x2.all_true
          br_if $for-break2
          local.get $14
          i32.const 1
          i32.sub
          local.set $14
          local.get $12
          local.get $4
          i32.sub
          local.set $12
          br $for-loop|2
         end
        end
       end
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $15
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $18
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $19
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $10
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $21
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       local.set $22
       local.get $26
       if
        local.get $4
        local.get $30
        i32.mul
        local.get $8
        i32.add
        local.set $12
        loop $for-loop|3
         local.get $7
         local.get $12
         i32.ge_s
         if
          local.get $0
          local.get $12
          i32.const 3
          i32.shl
          i32.add
          v128.load
          local.tee $16
          local.get $16
          f64x2.eq
          local.set $17
          local.get $15
          local.get $16
          local.get $23
          f64x2.sub
          local.get $17
          v128.and
          local.tee $16
          f64x2.add
          local.set $15
          local.get $19
          local.get $16
          local.get $16
          f64x2.mul
          f64x2.add
          local.set $19
          local.get $22
          v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
          local.get $17
          v128.andnot
          f64x2.add
          local.set $22
          local.get $4
          local.get $12
          i32.add
          local.set $12
          br $for-loop|3
         end
        end
       else
        local.get $4
        local.get $30
        i32.mul
        local.get $8
        i32.add
        local.set $12
        loop $for-loop|4
         local.get $7
         local.get $12
         i32.ge_s
         if
          local.get $15
          local.get $12
          i32.const 3
          i32.shl
          local.tee $14
          local.get $0
          i32.add
          v128.load
          local.tee $15
          local.get $23
          f64x2.sub
          local.get $15
          local.get $15
          f64x2.eq
          local.get $1
          local.get $14
          i32.add
          v128.load
          local.tee $16
          local.get $16
          f64x2.eq
          v128.and
          local.tee $17
          v128.and
          local.tee $20
          f64x2.add
          local.set $15
          local.get $18
          local.get $16
          local.get $25
          f64x2.sub
          local.get $17
          v128.and
          local.tee $16
          f64x2.add
          local.set $18
          local.get $19
          local.get $20
          local.get $20
          f64x2.mul
          f64x2.add
          local.set $19
          local.get $10
          local.get $16
          local.get $16
          f64x2.mul
          f64x2.add
          local.set $10
          local.get $21
          local.get $20
          local.get $16
          f64x2.mul
          f64x2.add
          local.set $21
          local.get $22
          v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
          local.get $17
          v128.andnot
          f64x2.add
          local.set $22
          local.get $4
          local.get $12
          i32.add
          local.set $12
          br $for-loop|4
         end
        end
       end
      end
      block $for-continue|1
       local.get $13
       local.get $5
       i32.const 1
       i32.sub
       i32.lt_s
       if
        local.get $2
        local.get $7
        i32.const 3
        i32.shl
        i32.add
        v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
        v128.store
        br $for-continue|1
       end
       local.get $28
       local.get $24
       f64x2.ge
       local.set $16
       local.get $2
       local.get $7
       i32.const 3
       i32.shl
       i32.add
       local.get $6
       if (result v128)
        local.get $6
        i32.const 1
        i32.eq
        if (result v128)
         local.get $21
         local.get $15
         local.get $18
         f64x2.mul
         local.get $24
         f64x2.div
         f64x2.sub
         local.get $31
         f64x2.div
         local.get $16
         local.get $27
         local.get $24
         f64x2.ge
         v128.or
         v128.andnot
        else
         v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
         v128.const i32x4 0x00000000 0xbff00000 0x00000000 0xbff00000
         local.get $21
         local.get $15
         local.get $18
         f64x2.mul
         local.get $24
         f64x2.div
         f64x2.sub
         local.get $19
         local.get $15
         local.get $15
         f64x2.mul
         local.get $24
         f64x2.div
         f64x2.sub
         local.tee $17
         local.get $10
         local.get $18
         local.get $18
         f64x2.mul
         local.get $24
         f64x2.div
         f64x2.sub
         local.tee $20
         f64x2.mul
         f64x2.sqrt
         f64x2.div
         local.tee $34
         local.get $34
         v128.const i32x4 0x00000000 0xbff00000 0x00000000 0xbff00000
         f64x2.lt
         v128.bitselect
         local.get $34
         v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
         f64x2.gt
         v128.bitselect
         v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
         local.get $17
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         f64x2.gt
         local.get $20
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         f64x2.gt
         v128.and
         local.get $16
         local.get $27
         local.get $24
         f64x2.ge
         v128.or
         v128.andnot
         v128.bitselect
        end
       else
        local.get $19
        local.get $15
        local.get $15
        f64x2.mul
        local.get $24
        f64x2.div
        f64x2.sub
        local.get $31
        f64x2.div
        local.tee $17
        f64x2.sqrt
        local.get $17
        v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
        f64x2.gt
        local.get $16
        v128.andnot
        v128.and
       end
       local.tee $16
       v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
       local.get $16
       local.get $16
       f64x2.sub
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       f64x2.eq
       local.get $22
       v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
       f64x2.eq
       v128.and
       v128.bitselect
       v128.store
      end
      local.get $13
      i32.const 1
      i32.add
      local.set $13
      local.get $4
      local.get $7
      i32.add
      local.set $7
      local.get $29
      i32.const 1
      i32.add
      local.tee $12
      i32.const 0
      local.get $5
      local.get $12
      i32.ne
      select
      local.set $29
      br $for-loop|1
     end
    end
    local.get $8
    i32.const 2
    i32.add
    local.set $8
    br $for-loop|0
   end
  end
  local.get $4
  local.get $8
  i32.gt_s
  if
   local.get $0
   local.get $1
   local.get $2
   local.get $3
   local.get $4
   local.get $5
   local.get $6
   local.get $8
   call $moments/momentsAsset
  end
 )
 (func $moments/toPairs (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  local.get $3
  i32.const 1
  i32.add
  i32.const 1
  i32.shr_s
  local.set $8
  local.get $3
  i32.const 1
  i32.shr_s
  local.set $10
  loop $for-loop|0
   local.get $2
   local.get $7
   i32.gt_s
   if
    local.get $7
    i32.const -64
    i32.sub
    local.tee $4
    local.get $2
    local.get $2
    local.get $4
    i32.gt_s
    select
    local.set $11
    i32.const 0
    local.set $5
    loop $for-loop|1
     local.get $5
     local.get $8
     i32.lt_s
     if
      local.get $5
      i32.const 16
      i32.add
      local.tee $4
      local.get $8
      local.get $4
      local.get $8
      i32.lt_s
      select
      local.set $12
      local.get $7
      local.set $6
      loop $for-loop|2
       local.get $6
       local.get $11
       i32.lt_s
       if
        local.get $5
        local.set $4
        loop $for-loop|3
         local.get $4
         local.get $12
         i32.lt_s
         if
          local.get $4
          i32.const 1
          i32.shl
          local.tee $13
          local.get $2
          i32.mul
          local.get $6
          i32.const 1
          i32.shl
          i32.add
          local.set $9
          local.get $4
          local.get $10
          i32.lt_s
          if
           local.get $1
           local.get $9
           i32.const 3
           i32.shl
           i32.add
           local.get $0
           local.get $13
           local.get $3
           local.get $6
           i32.mul
           i32.add
           i32.const 3
           i32.shl
           i32.add
           v128.load
           v128.store
          else
           local.get $1
           local.get $9
           i32.const 3
           i32.shl
           i32.add
           local.get $0
           local.get $3
           local.get $6
           i32.mul
           local.get $4
           i32.const 1
           i32.shl
           i32.add
           i32.const 3
           i32.shl
           i32.add
           f64.load
           f64.store
           local.get $1
           local.get $9
           i32.const 1
           i32.add
           i32.const 3
           i32.shl
           i32.add
           f64.const nan:0x8000000000000
           f64.store
          end
          local.get $4
          i32.const 1
          i32.add
          local.set $4
          br $for-loop|3
         end
        end
        local.get $6
        i32.const 1
        i32.add
        local.set $6
        br $for-loop|2
       end
      end
      local.get $5
      i32.const 16
      i32.add
      local.set $5
      br $for-loop|1
     end
    end
    local.get $7
    i32.const -64
    i32.sub
    local.set $7
    br $for-loop|0
   end
  end
 )
 (func $moments/rankUnit (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  (local $14 f64)
  (local $15 i64)
  (local $16 i32)
  (local $17 i32)
  (local $18 i32)
  (local $19 i32)
  (local $20 i32)
  (local $21 i32)
  (local $22 i64)
  (local $23 i32)
  (local $24 i32)
  (local $25 f64)
  local.get $4
  local.tee $13
  i32.const -8192
  i32.sub
  local.tee $11
  local.get $3
  i32.const 3
  i32.shl
  local.tee $4
  i32.add
  local.set $10
  local.get $4
  local.get $10
  i32.add
  local.tee $12
  local.get $3
  i32.const 2
  i32.shl
  i32.add
  local.set $9
  loop $for-loop|0
   local.get $2
   local.get $16
   i32.gt_s
   if
    local.get $3
    local.get $16
    i32.mul
    local.set $18
    local.get $13
    i32.const 0
    i32.const 8192
    memory.fill
    i32.const 0
    local.set $20
    i32.const 0
    local.set $4
    loop $for-loop|1
     local.get $3
     local.get $4
     i32.gt_s
     if
      local.get $0
      local.get $4
      local.get $18
      i32.add
      i32.const 3
      i32.shl
      local.tee $5
      i32.add
      local.tee $6
      i64.load
      local.set $15
      block $for-continue|1
       local.get $6
       f64.load
       local.tee $14
       local.get $14
       f64.ne
       if
        local.get $1
        local.get $5
        i32.add
        f64.const nan:0x8000000000000
        f64.store
        br $for-continue|1
       end
       local.get $11
       local.get $20
       i32.const 3
       i32.shl
       i32.add
       local.get $15
       i64.const -1
       i64.xor
       local.get $15
       i64.const -9223372036854775808
       i64.or
       local.get $15
       i64.const 63
       i64.shr_u
       i32.wrap_i64
       select
       local.tee $15
       i64.store
       local.get $12
       local.get $20
       i32.const 2
       i32.shl
       i32.add
       local.get $4
       i32.store
       i32.const 0
       local.set $7
       loop $for-loop|2
        local.get $7
        i32.const 8
        i32.lt_s
        if
         local.get $13
         local.get $7
         i32.const 10
         i32.shl
         i32.add
         local.get $15
         local.get $7
         i64.extend_i32_s
         i64.const 3
         i64.shl
         i64.shr_u
         i64.const 255
         i64.and
         i32.wrap_i64
         i32.const 2
         i32.shl
         i32.add
         local.tee $5
         local.get $5
         i32.load
         i32.const 1
         i32.add
         i32.store
         local.get $7
         i32.const 1
         i32.add
         local.set $7
         br $for-loop|2
        end
       end
       local.get $20
       i32.const 1
       i32.add
       local.set $20
      end
      local.get $4
      i32.const 1
      i32.add
      local.set $4
      br $for-loop|1
     end
    end
    block $for-continue|0
     local.get $20
     i32.eqz
     br_if $for-continue|0
     local.get $20
     i32.const 1
     i32.eq
     if
      local.get $1
      local.get $18
      local.get $12
      i32.load
      i32.add
      i32.const 3
      i32.shl
      i32.add
      f64.const 0.5
      f64.store
      br $for-continue|0
     end
     local.get $11
     local.set $7
     local.get $10
     local.set $6
     local.get $12
     local.set $4
     local.get $9
     local.set $5
     i32.const 0
     local.set $17
     loop $for-loop|3
      local.get $17
      i32.const 8
      i32.lt_s
      if
       local.get $20
       local.get $13
       local.get $17
       i32.const 10
       i32.shl
       i32.add
       local.tee $8
       local.get $7
       i64.load
       local.get $17
       i64.extend_i32_s
       i64.const 3
       i64.shl
       local.tee $22
       i64.shr_u
       i64.const 255
       i64.and
       i32.wrap_i64
       i32.const 2
       i32.shl
       i32.add
       i32.load
       i32.ne
       if
        i32.const 0
        local.set $19
        i32.const 0
        local.set $21
        loop $for-loop|4
         local.get $21
         i32.const 256
         i32.lt_s
         if
          local.get $8
          local.get $21
          i32.const 2
          i32.shl
          i32.add
          local.tee $23
          i32.load
          local.set $24
          local.get $23
          local.get $19
          i32.store
          local.get $19
          local.get $24
          i32.add
          local.set $19
          local.get $21
          i32.const 1
          i32.add
          local.set $21
          br $for-loop|4
         end
        end
        i32.const 0
        local.set $21
        loop $for-loop|5
         local.get $20
         local.get $21
         i32.gt_s
         if
          local.get $8
          local.get $7
          local.get $21
          i32.const 3
          i32.shl
          i32.add
          i64.load
          local.tee $15
          local.get $22
          i64.shr_u
          i64.const 255
          i64.and
          i32.wrap_i64
          i32.const 2
          i32.shl
          i32.add
          local.tee $19
          i32.load
          local.set $23
          local.get $19
          local.get $23
          i32.const 1
          i32.add
          i32.store
          local.get $6
          local.get $23
          i32.const 3
          i32.shl
          i32.add
          local.get $15
          i64.store
          local.get $5
          local.get $23
          i32.const 2
          i32.shl
          i32.add
          local.get $4
          local.get $21
          i32.const 2
          i32.shl
          i32.add
          i32.load
          i32.store
          local.get $21
          i32.const 1
          i32.add
          local.set $21
          br $for-loop|5
         end
        end
        local.get $7
        local.get $6
        local.set $7
        local.set $6
        local.get $4
        local.get $5
        local.set $4
        local.set $5
       end
       local.get $17
       i32.const 1
       i32.add
       local.set $17
       br $for-loop|3
      end
     end
     local.get $20
     i32.const 1
     i32.sub
     f64.convert_i32_s
     local.set $14
     i32.const 0
     local.set $7
     loop $while-continue|6
      local.get $7
      local.get $20
      i32.lt_s
      if
       local.get $0
       local.get $18
       local.get $4
       local.get $7
       i32.const 2
       i32.shl
       i32.add
       i32.load
       i32.add
       i32.const 3
       i32.shl
       i32.add
       f64.load
       local.set $25
       local.get $7
       i32.const 1
       i32.add
       local.set $6
       loop $while-continue|7
        local.get $6
        local.get $20
        i32.lt_s
        if (result i32)
         local.get $0
         local.get $18
         local.get $4
         local.get $6
         i32.const 2
         i32.shl
         i32.add
         i32.load
         i32.add
         i32.const 3
         i32.shl
         i32.add
         f64.load
         local.get $25
         f64.eq
        else
         i32.const 0
        end
        if
         local.get $6
         i32.const 1
         i32.add
         local.set $6
         br $while-continue|7
        end
       end
       local.get $6
       local.get $7
       i32.add
       i32.const 1
       i32.sub
       f64.convert_i32_s
       f64.const 0.5
       f64.mul
       local.get $14
       f64.div
       local.set $25
       loop $for-loop|8
        local.get $6
        local.get $7
        i32.gt_s
        if
         local.get $1
         local.get $18
         local.get $4
         local.get $7
         i32.const 2
         i32.shl
         i32.add
         i32.load
         i32.add
         i32.const 3
         i32.shl
         i32.add
         local.get $25
         f64.store
         local.get $7
         i32.const 1
         i32.add
         local.set $7
         br $for-loop|8
        end
       end
       local.get $6
       local.set $7
       br $while-continue|6
      end
     end
    end
    local.get $16
    i32.const 1
    i32.add
    local.set $16
    br $for-loop|0
   end
  end
 )
 (func $moments/mulSimd (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32)
  (local $4 i32)
  (local $5 v128)
  (local $6 f64)
  (local $7 i32)
  loop $for-loop|0
   local.get $4
   i32.const 1
   i32.add
   local.get $3
   i32.lt_s
   if
    local.get $0
    local.get $4
    i32.const 3
    i32.shl
    local.tee $7
    i32.add
    v128.load
    local.get $1
    local.get $7
    i32.add
    v128.load
    f64x2.mul
    local.set $5
    local.get $2
    local.get $7
    i32.add
    local.get $5
    v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
    local.get $5
    local.get $5
    f64x2.sub
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    f64x2.eq
    v128.bitselect
    v128.store
    local.get $4
    i32.const 2
    i32.add
    local.set $4
    br $for-loop|0
   end
  end
  loop $for-loop|1
   local.get $3
   local.get $4
   i32.gt_s
   if
    local.get $0
    local.get $4
    i32.const 3
    i32.shl
    local.tee $7
    i32.add
    f64.load
    local.get $1
    local.get $7
    i32.add
    f64.load
    f64.mul
    local.set $6
    local.get $2
    local.get $7
    i32.add
    local.get $6
    f64.const nan:0x8000000000000
    local.get $6
    local.get $6
    f64.sub
    f64.const 0
    f64.eq
    select
    f64.store
    local.get $4
    i32.const 1
    i32.add
    local.set $4
    br $for-loop|1
   end
  end
 )
 (func $moments/mulScalar (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32)
  (local $4 i32)
  (local $5 f64)
  (local $6 i32)
  loop $for-loop|0
   local.get $3
   local.get $4
   i32.gt_s
   if
    local.get $0
    local.get $4
    i32.const 3
    i32.shl
    local.tee $6
    i32.add
    f64.load
    local.get $1
    local.get $6
    i32.add
    f64.load
    f64.mul
    local.set $5
    local.get $2
    local.get $6
    i32.add
    local.get $5
    f64.const nan:0x8000000000000
    local.get $5
    local.get $5
    f64.sub
    f64.const 0
    f64.eq
    select
    f64.store
    local.get $4
    i32.const 1
    i32.add
    local.set $4
    br $for-loop|0
   end
  end
 )
 (func $moments/momentsSimdBlock (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32) (param $7 i32)
  (local $8 v128)
  (local $9 v128)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  (local $14 v128)
  (local $15 v128)
  (local $16 v128)
  (local $17 v128)
  (local $18 v128)
  (local $19 v128)
  (local $20 v128)
  (local $21 v128)
  (local $22 v128)
  (local $23 v128)
  (local $24 v128)
  (local $25 i32)
  (local $26 i32)
  (local $27 i32)
  (local $28 v128)
  (local $29 i32)
  (local $30 i32)
  (local $31 i32)
  (local $32 v128)
  (local $33 v128)
  (local $34 f64)
  (local $35 i32)
  (local $36 i32)
  (local $37 v128)
  (local $38 v128)
  (local $39 v128)
  local.get $6
  i32.eqz
  local.set $25
  local.get $5
  f64.convert_i32_s
  local.tee $34
  f64x2.splat
  local.set $24
  local.get $34
  f64.const -1
  f64.add
  f64x2.splat
  local.set $32
  loop $for-loop|0
   local.get $26
   local.get $7
   i32.const 1
   i32.shl
   i32.add
   local.get $4
   i32.le_s
   if
    i32.const 0
    local.set $11
    loop $for-loop|1
     local.get $7
     local.get $11
     i32.gt_s
     if
      local.get $11
      i32.const 192
      i32.mul
      local.tee $10
      i32.const 128
      i32.add
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=144
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=160
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=176
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=192
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=208
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=224
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=240
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=256
      local.get $10
      v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
      v128.store offset=272
      local.get $10
      v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
      v128.store offset=288
      local.get $10
      v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
      v128.store offset=304
      local.get $11
      i32.const 1
      i32.add
      local.set $11
      br $for-loop|1
     end
    end
    i32.const 0
    local.set $30
    i32.const 0
    local.set $11
    loop $for-loop|2
     local.get $3
     local.get $11
     i32.gt_s
     if
      i32.const 0
      local.set $27
      loop $for-loop|3
       local.get $7
       local.get $27
       i32.gt_s
       if
        local.get $27
        i32.const 192
        i32.mul
        local.tee $36
        i32.const 128
        i32.add
        v128.load
        local.set $22
        local.get $36
        v128.load offset=144
        local.set $23
        local.get $36
        v128.load offset=160
        local.set $16
        local.get $36
        v128.load offset=176
        local.set $19
        local.get $36
        v128.load offset=192
        local.set $18
        local.get $36
        v128.load offset=208
        local.set $14
        local.get $36
        v128.load offset=224
        local.set $20
        local.get $36
        v128.load offset=240
        local.set $21
        local.get $36
        v128.load offset=272
        local.set $28
        local.get $36
        v128.load offset=304
        local.set $15
        local.get $36
        v128.load offset=256
        v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
        f64x2.add
        v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
        local.get $0
        local.get $26
        local.get $27
        i32.const 1
        i32.shl
        i32.add
        local.tee $29
        local.get $4
        local.get $11
        i32.mul
        i32.add
        local.tee $12
        i32.const 3
        i32.shl
        local.tee $10
        i32.add
        v128.load
        local.tee $9
        local.get $9
        f64x2.eq
        local.tee $17
        v128.and
        local.get $9
        local.get $36
        v128.load offset=288
        f64x2.eq
        v128.bitselect
        local.set $33
        local.get $9
        local.set $8
        local.get $25
        i32.eqz
        if
         local.get $28
         v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
         f64x2.add
         v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
         local.get $1
         local.get $10
         i32.add
         v128.load
         local.tee $8
         local.get $8
         f64x2.eq
         local.tee $37
         v128.and
         local.get $8
         local.get $15
         f64x2.eq
         v128.bitselect
         local.set $28
         local.get $17
         local.get $37
         v128.and
         local.set $17
         local.get $8
         local.set $15
        end
        local.get $30
        if
         local.get $16
         local.get $9
         local.get $22
         f64x2.sub
         local.get $17
         v128.and
         local.tee $37
         f64x2.add
         local.set $16
         local.get $18
         local.get $37
         local.get $37
         f64x2.mul
         f64x2.add
         local.set $18
         local.get $25
         i32.eqz
         if
          local.get $19
          local.get $8
          local.get $23
          f64x2.sub
          local.get $17
          v128.and
          local.tee $8
          f64x2.add
          local.set $19
          local.get $20
          local.get $37
          local.get $8
          f64x2.mul
          f64x2.add
          local.set $20
          local.get $14
          local.get $8
          local.get $8
          f64x2.mul
          f64x2.add
          local.set $14
         end
         local.get $21
         v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
         local.get $17
         v128.andnot
         f64x2.add
         local.set $21
         local.get $5
         local.get $11
         i32.le_s
         if (result v128)
          local.get $12
          local.get $4
          local.get $5
          i32.mul
          i32.sub
          i32.const 3
          i32.shl
          local.tee $10
          local.get $0
          i32.add
          v128.load
          local.tee $8
          local.get $8
          f64x2.eq
          local.set $17
          local.get $8
          local.get $22
          f64x2.sub
          local.get $25
          i32.eqz
          if
           local.get $17
           local.get $1
           local.get $10
           i32.add
           v128.load
           local.tee $8
           local.get $8
           f64x2.eq
           v128.and
           local.set $17
          end
          local.get $17
          v128.and
          local.tee $37
          local.get $37
          f64x2.mul
          local.set $38
          local.get $16
          local.get $37
          f64x2.sub
          local.set $16
          local.get $38
          v128.const i32x4 0x00000000 0x408f4000 0x00000000 0x408f4000
          local.get $18
          local.get $38
          f64x2.sub
          local.tee $18
          f64x2.mul
          f64x2.gt
          local.set $38
          local.get $21
          v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
          local.get $17
          v128.andnot
          f64x2.sub
          local.set $21
          local.get $25
          if (result v128)
           local.get $38
          else
           local.get $8
           local.get $23
           f64x2.sub
           local.get $17
           v128.and
           local.tee $8
           local.get $8
           f64x2.mul
           local.set $39
           local.get $19
           local.get $8
           f64x2.sub
           local.set $19
           local.get $20
           local.get $37
           local.get $8
           f64x2.mul
           f64x2.sub
           local.set $20
           local.get $38
           local.get $39
           v128.const i32x4 0x00000000 0x408f4000 0x00000000 0x408f4000
           local.get $14
           local.get $39
           f64x2.sub
           local.tee $14
           f64x2.mul
           f64x2.gt
           v128.or
          end
          local.get $17
          v128.and
          local.tee $8
          v128.any_true
          if (result v128)
           local.get $8
           i64x2.extract_lane 0
           i64.const 0
           i64.ne
           if
            local.get $0
            local.get $1
            local.get $4
            local.get $11
            local.get $5
            local.get $29
            local.get $22
            f64x2.extract_lane 0
            local.get $23
            f64x2.extract_lane 0
            local.get $25
            call $moments/guardLane
            local.get $19
            i32.const 72
            f64.load
            f64x2.replace_lane 0
            local.set $19
            local.get $18
            i32.const 80
            f64.load
            f64x2.replace_lane 0
            local.set $18
            local.get $14
            i32.const 88
            f64.load
            f64x2.replace_lane 0
            local.set $14
            local.get $20
            i32.const 96
            f64.load
            f64x2.replace_lane 0
            local.set $20
            local.get $16
            i32.const 64
            f64.load
            f64x2.replace_lane 0
            local.set $16
           end
           local.get $8
           i64x2.extract_lane 1
           i64.const 0
           i64.ne
           if (result v128)
            local.get $0
            local.get $1
            local.get $4
            local.get $11
            local.get $5
            local.get $29
            i32.const 1
            i32.add
            local.get $22
            f64x2.extract_lane 1
            local.get $23
            f64x2.extract_lane 1
            local.get $25
            call $moments/guardLane
            local.get $19
            i32.const 72
            f64.load
            f64x2.replace_lane 1
            local.set $19
            local.get $18
            i32.const 80
            f64.load
            f64x2.replace_lane 1
            local.set $18
            local.get $14
            i32.const 88
            f64.load
            f64x2.replace_lane 1
            local.set $14
            local.get $20
            i32.const 96
            f64.load
            f64x2.replace_lane 1
            local.set $20
            local.get $16
            i32.const 64
            f64.load
            f64x2.replace_lane 1
           else
            local.get $16
           end
          else
           local.get $16
          end
         else
          local.get $16
         end
         local.set $8
        else
         local.get $11
         local.get $5
         i32.sub
         i32.const 1
         i32.add
         local.tee $10
         i32.const 0
         local.get $10
         i32.const 0
         i32.gt_s
         select
         local.set $31
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $8
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $22
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $23
         local.get $11
         local.set $13
         local.get $12
         local.set $10
         loop $for-loop|4
          local.get $13
          local.get $31
          i32.ge_s
          if
           block $for-break4
            local.get $10
            i32.const 3
            i32.shl
            local.tee $35
            local.get $0
            i32.add
            v128.load
            local.tee $14
            local.get $22
            local.get $14
            local.get $14
            f64x2.eq
            local.get $1
            local.get $35
            i32.add
            v128.load
            local.tee $14
            local.get $14
            f64x2.eq
            v128.and
            local.tee $16
            local.get $8
            v128.andnot
            local.tee $17
            v128.bitselect
            local.set $22
            local.get $14
            local.get $23
            local.get $17
            v128.bitselect
            local.set $23
            local.get $8
            local.get $16
            v128.or
            local.tee $8
            i64x2.all_true
            br_if $for-break4
            local.get $13
            i32.const 1
            i32.sub
            local.set $13
            local.get $10
            local.get $4
            i32.sub
            local.set $10
            br $for-loop|4
           end
          end
         end
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $8
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $19
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $18
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $14
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $20
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         local.set $21
         local.get $25
         if
          local.get $4
          local.get $31
          i32.mul
          local.get $29
          i32.add
          local.set $10
          loop $for-loop|5
           local.get $10
           local.get $12
           i32.le_s
           if
            local.get $0
            local.get $10
            i32.const 3
            i32.shl
            i32.add
            v128.load
            local.tee $16
            local.get $16
            f64x2.eq
            local.set $17
            local.get $8
            local.get $16
            local.get $22
            f64x2.sub
            local.get $17
            v128.and
            local.tee $16
            f64x2.add
            local.set $8
            local.get $18
            local.get $16
            local.get $16
            f64x2.mul
            f64x2.add
            local.set $18
            local.get $21
            v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
            local.get $17
            v128.andnot
            f64x2.add
            local.set $21
            local.get $4
            local.get $10
            i32.add
            local.set $10
            br $for-loop|5
           end
          end
         else
          local.get $4
          local.get $31
          i32.mul
          local.get $29
          i32.add
          local.set $10
          loop $for-loop|6
           local.get $10
           local.get $12
           i32.le_s
           if
            local.get $8
            local.get $10
            i32.const 3
            i32.shl
            local.tee $13
            local.get $0
            i32.add
            v128.load
            local.tee $8
            local.get $22
            f64x2.sub
            local.get $8
            local.get $8
            f64x2.eq
            local.get $1
            local.get $13
            i32.add
            v128.load
            local.tee $16
            local.get $16
            f64x2.eq
            v128.and
            local.tee $17
            v128.and
            local.tee $37
            f64x2.add
            local.set $8
            local.get $19
            local.get $16
            local.get $23
            f64x2.sub
            local.get $17
            v128.and
            local.tee $16
            f64x2.add
            local.set $19
            local.get $18
            local.get $37
            local.get $37
            f64x2.mul
            f64x2.add
            local.set $18
            local.get $14
            local.get $16
            local.get $16
            f64x2.mul
            f64x2.add
            local.set $14
            local.get $20
            local.get $37
            local.get $16
            f64x2.mul
            f64x2.add
            local.set $20
            local.get $21
            v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
            local.get $17
            v128.andnot
            f64x2.add
            local.set $21
            local.get $4
            local.get $10
            i32.add
            local.set $10
            br $for-loop|6
           end
          end
         end
        end
        local.get $11
        local.get $5
        i32.const 1
        i32.sub
        i32.lt_s
        if
         local.get $2
         local.get $12
         i32.const 3
         i32.shl
         i32.add
         v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
         v128.store
        else
         local.get $33
         local.get $24
         f64x2.ge
         local.set $16
         local.get $2
         local.get $12
         i32.const 3
         i32.shl
         i32.add
         local.get $6
         if (result v128)
          local.get $6
          i32.const 1
          i32.eq
          if (result v128)
           local.get $20
           local.get $8
           local.get $19
           f64x2.mul
           local.get $24
           f64x2.div
           f64x2.sub
           local.get $32
           f64x2.div
           local.get $16
           local.get $28
           local.get $24
           f64x2.ge
           v128.or
           v128.andnot
          else
           v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
           v128.const i32x4 0x00000000 0xbff00000 0x00000000 0xbff00000
           local.get $20
           local.get $8
           local.get $19
           f64x2.mul
           local.get $24
           f64x2.div
           f64x2.sub
           local.get $18
           local.get $8
           local.get $8
           f64x2.mul
           local.get $24
           f64x2.div
           f64x2.sub
           local.tee $17
           local.get $14
           local.get $19
           local.get $19
           f64x2.mul
           local.get $24
           f64x2.div
           f64x2.sub
           local.tee $37
           f64x2.mul
           f64x2.sqrt
           f64x2.div
           local.tee $38
           local.get $38
           v128.const i32x4 0x00000000 0xbff00000 0x00000000 0xbff00000
           f64x2.lt
           v128.bitselect
           local.get $38
           v128.const i32x4 0x00000000 0x3ff00000 0x00000000 0x3ff00000
           f64x2.gt
           v128.bitselect
           v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
           local.get $17
           v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
           f64x2.gt
           local.get $37
           v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
           f64x2.gt
           v128.and
           local.get $16
           local.get $28
           local.get $24
           f64x2.ge
           v128.or
           v128.andnot
           v128.bitselect
          end
         else
          local.get $18
          local.get $8
          local.get $8
          f64x2.mul
          local.get $24
          f64x2.div
          f64x2.sub
          local.get $32
          f64x2.div
          local.tee $17
          f64x2.sqrt
          local.get $17
          v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
          f64x2.gt
          local.get $16
          v128.andnot
          v128.and
         end
         local.tee $16
         v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
         local.get $16
         local.get $16
         f64x2.sub
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         f64x2.eq
         local.get $21
         v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
         f64x2.eq
         v128.and
         v128.bitselect
         v128.store
        end
        local.get $36
        local.get $22
        v128.store offset=128
        local.get $36
        local.get $23
        v128.store offset=144
        local.get $36
        local.get $8
        v128.store offset=160
        local.get $36
        local.get $19
        v128.store offset=176
        local.get $36
        local.get $18
        v128.store offset=192
        local.get $36
        local.get $14
        v128.store offset=208
        local.get $36
        local.get $20
        v128.store offset=224
        local.get $36
        local.get $21
        v128.store offset=240
        local.get $36
        local.get $33
        v128.store offset=256
        local.get $36
        local.get $28
        v128.store offset=272
        local.get $36
        local.get $9
        v128.store offset=288
        local.get $36
        local.get $15
        v128.store offset=304
        local.get $27
        i32.const 1
        i32.add
        local.set $27
        br $for-loop|3
       end
      end
      local.get $11
      i32.const 1
      i32.add
      local.set $11
      local.get $30
      i32.const 1
      i32.add
      local.tee $10
      i32.const 0
      local.get $5
      local.get $10
      i32.ne
      select
      local.set $30
      br $for-loop|2
     end
    end
    local.get $26
    local.get $7
    i32.const 1
    i32.shl
    i32.add
    local.set $26
    br $for-loop|0
   end
  end
  local.get $4
  local.get $26
  i32.gt_s
  if
   local.get $0
   local.get $1
   local.get $2
   local.get $3
   local.get $4
   local.get $5
   local.get $6
   local.get $26
   call $moments/momentsSimdFrom
  end
 )
 (func $moments/momentsSimd (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32)
  local.get $0
  local.get $1
  local.get $2
  local.get $3
  local.get $4
  local.get $5
  local.get $6
  i32.const 0
  call $moments/momentsSimdFrom
 )
 (func $moments/momentsScalar (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32)
  (local $7 i32)
  loop $for-loop|0
   local.get $4
   local.get $7
   i32.gt_s
   if
    local.get $0
    local.get $1
    local.get $2
    local.get $3
    local.get $4
    local.get $5
    local.get $6
    local.get $7
    call $moments/momentsAsset
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    br $for-loop|0
   end
  end
 )
 (func $moments/momentsPairsScalar (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  local.get $4
  i32.const 1
  i32.add
  i32.const 1
  i32.shr_s
  local.set $10
  local.get $3
  i32.const 4
  i32.shl
  local.set $4
  loop $for-loop|0
   local.get $7
   local.get $10
   i32.lt_s
   if
    local.get $4
    local.get $7
    i32.mul
    local.tee $11
    local.get $0
    i32.add
    local.tee $8
    local.get $1
    local.get $11
    i32.add
    local.tee $9
    local.get $2
    local.get $11
    i32.add
    local.tee $11
    local.get $3
    i32.const 2
    local.get $5
    local.get $6
    i32.const 0
    call $moments/momentsAsset
    local.get $8
    local.get $9
    local.get $11
    local.get $3
    i32.const 2
    local.get $5
    local.get $6
    i32.const 1
    call $moments/momentsAsset
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    br $for-loop|0
   end
  end
 )
 (func $moments/momentsPairs (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32) (param $4 i32) (param $5 i32) (param $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  local.get $4
  i32.const 1
  i32.add
  i32.const 1
  i32.shr_s
  local.set $9
  local.get $3
  i32.const 4
  i32.shl
  local.set $4
  loop $for-loop|0
   local.get $7
   local.get $9
   i32.lt_s
   if
    local.get $4
    local.get $7
    i32.mul
    local.tee $8
    local.get $0
    i32.add
    local.get $1
    local.get $8
    i32.add
    local.get $2
    local.get $8
    i32.add
    local.get $3
    i32.const 2
    local.get $5
    local.get $6
    i32.const 0
    call $moments/momentsSimdFrom
    local.get $7
    i32.const 1
    i32.add
    local.set $7
    br $for-loop|0
   end
  end
 )
 (func $moments/fromPairs (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32)
  (local $4 i32)
  (local $5 i32)
  (local $6 i32)
  (local $7 i32)
  (local $8 i32)
  (local $9 i32)
  (local $10 i32)
  (local $11 i32)
  (local $12 i32)
  (local $13 i32)
  local.get $3
  i32.const 1
  i32.add
  i32.const 1
  i32.shr_s
  local.set $8
  local.get $3
  i32.const 1
  i32.shr_s
  local.set $10
  loop $for-loop|0
   local.get $2
   local.get $7
   i32.gt_s
   if
    local.get $7
    i32.const -64
    i32.sub
    local.tee $4
    local.get $2
    local.get $2
    local.get $4
    i32.gt_s
    select
    local.set $11
    i32.const 0
    local.set $5
    loop $for-loop|1
     local.get $5
     local.get $8
     i32.lt_s
     if
      local.get $5
      i32.const 16
      i32.add
      local.tee $4
      local.get $8
      local.get $4
      local.get $8
      i32.lt_s
      select
      local.set $12
      local.get $7
      local.set $6
      loop $for-loop|2
       local.get $6
       local.get $11
       i32.lt_s
       if
        local.get $5
        local.set $4
        loop $for-loop|3
         local.get $4
         local.get $12
         i32.lt_s
         if
          local.get $4
          i32.const 1
          i32.shl
          local.tee $13
          local.get $2
          i32.mul
          local.get $6
          i32.const 1
          i32.shl
          i32.add
          local.set $9
          local.get $4
          local.get $10
          i32.lt_s
          if
           local.get $1
           local.get $13
           local.get $3
           local.get $6
           i32.mul
           i32.add
           i32.const 3
           i32.shl
           i32.add
           local.get $0
           local.get $9
           i32.const 3
           i32.shl
           i32.add
           v128.load
           v128.store
          else
           local.get $1
           local.get $3
           local.get $6
           i32.mul
           local.get $4
           i32.const 1
           i32.shl
           i32.add
           i32.const 3
           i32.shl
           i32.add
           local.get $0
           local.get $9
           i32.const 3
           i32.shl
           i32.add
           f64.load
           f64.store
          end
          local.get $4
          i32.const 1
          i32.add
          local.set $4
          br $for-loop|3
         end
        end
        local.get $6
        i32.const 1
        i32.add
        local.set $6
        br $for-loop|2
       end
      end
      local.get $5
      i32.const 16
      i32.add
      local.set $5
      br $for-loop|1
     end
    end
    local.get $7
    i32.const -64
    i32.sub
    local.set $7
    br $for-loop|0
   end
  end
 )
 (func $moments/divSimd (param $0 i32) (param $1 i32) (param $2 i32) (param $3 i32)
  (local $4 i32)
  (local $5 v128)
  (local $6 f64)
  (local $7 i32)
  loop $for-loop|0
   local.get $4
   i32.const 1
   i32.add
   local.get $3
   i32.lt_s
   if
    local.get $0
    local.get $4
    i32.const 3
    i32.shl
    local.tee $7
    i32.add
    v128.load
    local.get $1
    local.get $7
    i32.add
    v128.load
    f64x2.div
    local.set $5
    local.get $2
    local.get $7
    i32.add
    local.get $5
    v128.const i32x4 0x00000000 0x7ff80000 0x00000000 0x7ff80000
    local.get $5
    local.get $5
    f64x2.sub
    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
    f64x2.eq
    v128.bitselect
    v128.store
    local.get $4
    i32.const 2
    i32.add
    local.set $4
    br $for-loop|0
   end
  end
  loop $for-loop|1
   local.get $3
   local.get $4
   i32.gt_s
   if
    local.get $0
    local.get $4
    i32.const 3
    i32.shl
    local.tee $7
    i32.add
    f64.load
    local.get $1
    local.get $7
    i32.add
    f64.load
    f64.div
    local.set $6
    local.get $2
    local.get $7
    i32.add
    local.get $6
    f64.const nan:0x8000000000000
    local.get $6
    local.get $6
    f64.sub
    f64.const 0
    f64.eq
    select
    f64.store
    local.get $4
    i32.const 1
    i32.add
    local.set $4
    br $for-loop|1
   end
  end
 )
)
